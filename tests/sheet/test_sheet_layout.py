"""A sheet made for editing: key columns first and locked, text cells, TRUE/FALSE drop-downs, --columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from sheet_helpers import FIXTURE, apply_sheet, make_sheet

from bulkedit.cli.app import main
from bulkedit.io.read import read_users


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    return openpyxl.load_workbook(make_sheet(FIXTURE, tmp_path_factory.mktemp("layout") / "users.xlsx"))


def column_format(ws: Any, index: int) -> Any:
    """The <col> entry covering column `index` (xlsx groups neighbouring columns of one format)."""
    return next(d for d in ws.column_dimensions.values() if d.min <= index <= d.max)


def test_key_columns_come_first_and_are_locked_and_grey(book: openpyxl.Workbook) -> None:
    ws = book["users"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["user_id", "email", "identities"]
    assert ws.protection.sheet  # locked cells cannot be edited (no password: Review > Unprotect to override)
    col = {h: i + 1 for i, h in enumerate(header)}
    for name in ("user_id", "email", "identities", "created_at", "logins_count"):
        cell = ws.cell(2, col[name])
        assert cell.protection.locked, name
        assert cell.fill.fgColor.rgb.endswith("D9D9D9"), name
    for name in ("given_name", "email_verified", "user_metadata.prefs.lang", "app_metadata.seats"):
        filled = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col[name]).value is not None)
        assert not ws.cell(filled, col[name]).protection.locked, name
        # empty cells (and rows a person adds) take the column's format: unlocked too
        assert not column_format(ws, col[name]).protection.locked, name
    assert column_format(ws, col["user_id"]).protection.locked
    assert column_format(ws, col["given_name"]).number_format == "@"


def test_header_frozen_strings_text_booleans_with_drop_down(book: openpyxl.Workbook) -> None:
    ws = book["users"]
    assert ws.freeze_panes == "B2"
    header = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(header)}
    assert ws.cell(2, col["given_name"]).number_format == "@"
    assert ws.cell(2, col["given_name"]).data_type == "s"
    assert ws.cell(2, col["email_verified"]).data_type == "b"
    letter = get_column_letter(col["email_verified"])
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any(dv.formula1 == '"TRUE,FALSE"' and f"{letter}2" in str(dv.sqref) for dv in lists)
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")


def test_types_and_source_recorded_in_a_hidden_sheet(book: openpyxl.Workbook) -> None:
    meta = book["_bulkedit"]
    assert meta.sheet_state == "hidden"
    rows = {r[0]: r[1:] for r in meta.iter_rows(values_only=True) if r[0] != "column"}
    assert len(rows["source_sha256"][0]) == 64
    types = {r[1]: r[2] for r in meta.iter_rows(values_only=True) if r[0] == "column"}
    assert types["email_verified"] == "boolean" and types["app_metadata.roles"] == "json"


def test_json_cells_are_compact(book: openpyxl.Workbook) -> None:
    ws = book["users"]
    header = [c.value for c in ws[1]]
    roles = ws.cell(2, header.index("app_metadata.roles") + 1).value
    assert roles.startswith("[") and ", " not in roles


def test_columns_option_keeps_keys_and_the_rest_comes_from_the_backup(tmp_path: Path) -> None:
    sheet = make_sheet(FIXTURE, tmp_path / "few.xlsx", columns="given_name, user_metadata.prefs")
    ws = openpyxl.load_workbook(sheet)["users"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["user_id", "email", "given_name"]
    assert all(h.startswith("user_metadata.prefs") for h in header[3:]) and len(header) > 3
    ws.cell(2, 3).value = "Changed"
    wb = ws.parent
    wb.save(tmp_path / "few-edited.xlsx")
    out = tmp_path / "out.ndjson"
    result = apply_sheet(FIXTURE, tmp_path / "few-edited.xlsx", out)
    assert result.users_changed == 1 and result.changes_total == 1
    before, after = read_users(FIXTURE), read_users(out)
    assert after[0] == {**before[0], "given_name": "Changed"}


def test_columns_naming_an_unknown_field_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(FIXTURE), "-o", str(tmp_path / "x.xlsx"), "--columns", "user_metadata.nope"]) == 2
    assert "user_metadata.nope" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()
    assert main(["convert", str(FIXTURE), "-o", str(tmp_path / "x.ndjson"), "--columns", "email"]) == 2


def test_csv_sheet_starts_with_a_bom_and_records_it(tmp_path: Path) -> None:
    sheet = make_sheet(FIXTURE, tmp_path / "u.csv")
    assert sheet.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert '"bom": true' in (tmp_path / "u.csv.bulkedit.json").read_text()
