"""A person's edits that look like a spreadsheet's work but are not: end to end through CSV and XLSX sheets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sheet_helpers import apply_sheet, change_set, make_sheet, write_ndjson
from test_sheet_rows import _sheet

from bulkedit.errors import RefusedError

USERS = [
    {"user_id": "auth0|1", "email": "a@example.org", "user_metadata": {"birthday": "1990-05-17", "f": 1.5e-07}},
    {"user_id": "auth0|2", "email": "b@example.org", "user_metadata": {"birthday": "1985-01-02", "f": 2.5}},
]


def _set(column: str, value: str) -> Any:
    def edit(rows: list[list[str]]) -> None:
        rows[1][rows[0].index(column)] = value

    return edit


def _xlsx(tmp: Path, fn: Any) -> tuple[Path, Path]:
    """(backup, sheet): the XLSX sheet of USERS after `fn(worksheet, {header: column number})` edited it."""
    backup = write_ndjson(tmp / "backup.ndjson", USERS)
    made = make_sheet(backup, tmp / "made.xlsx")
    wb = openpyxl.load_workbook(made)
    ws = wb["users"]
    fn(ws, {c.value: c.column for c in ws[1]})
    sheet = tmp / "sheet.xlsx"
    wb.save(sheet)
    return backup, sheet


def test_a_date_only_value_edited_in_its_iso_form_is_an_edit_csv(tmp_path: Path) -> None:
    backup, sheet = _sheet(tmp_path, _set("user_metadata.birthday", "1990-05-18"), USERS)
    result = apply_sheet(backup, sheet, None)
    assert not result.refused, [r.to_dict() for r in result.refusals]
    assert change_set(result) == {("auth0|1", "user_metadata.birthday", '"1990-05-17"', '"1990-05-18"')}


def test_a_date_only_value_edited_in_its_iso_form_is_an_edit_xlsx(tmp_path: Path) -> None:
    def fn(ws: Any, col: dict[str, int]) -> None:
        ws.cell(2, col["user_metadata.birthday"]).value = "1990-05-18"  # a text cell

    backup, sheet = _xlsx(tmp_path, fn)
    result = apply_sheet(backup, sheet, None)
    assert change_set(result) == {("auth0|1", "user_metadata.birthday", '"1990-05-17"', '"1990-05-18"')}


def test_a_date_rewritten_in_another_form_is_still_refused(tmp_path: Path) -> None:
    backup, sheet = _sheet(tmp_path, _set("user_metadata.birthday", "5/17/1990"), USERS)
    result = apply_sheet(backup, sheet, None)
    assert [r.code for r in result.refusals] == ["date-rewritten"]


@pytest.mark.parametrize(("cell", "new"), [("2.5e-07", "2.5e-7"), ("2.5E-07", "2.5e-7"), ("1e-3", "0.001")])
def test_a_small_float_edited_in_scientific_notation_is_an_edit(tmp_path: Path, cell: str, new: str) -> None:
    backup, sheet = _sheet(tmp_path, _set("user_metadata.f", cell), USERS)
    assert ",1.5e-07\n" in (tmp_path / "made.csv").read_text("utf-8")  # how bulkedit writes it
    result = apply_sheet(backup, sheet, None)
    assert not result.refused, [r.to_dict() for r in result.refusals]
    assert change_set(result) == {("auth0|1", "user_metadata.f", "1.5e-7", new)}


def _new_columns(ws: Any, col: dict[str, int]) -> None:
    from datetime import datetime

    vip, renewal = ws.max_column + 1, ws.max_column + 2
    ws.cell(1, vip).value = "user_metadata.vip"
    ws.cell(1, renewal).value = "user_metadata.renewal"
    ws.cell(2, vip).value = True  # a real boolean cell
    ws.cell(2, renewal).value = datetime(2025, 3, 1)  # a real date cell
    ws.cell(3, vip).value = False
    ws.cell(3, renewal).value = datetime(2025, 3, 1, 13, 4, 5, 98000)


def test_a_new_xlsx_column_of_boolean_and_date_cells_adds_booleans_and_iso_dates(tmp_path: Path) -> None:
    backup, sheet = _xlsx(tmp_path, _new_columns)
    result = apply_sheet(backup, sheet, None)
    assert not result.refused, [r.to_dict() for r in result.refusals]
    assert change_set(result) == {
        ("auth0|1", "user_metadata.vip", "-", "true"),
        ("auth0|1", "user_metadata.renewal", "-", '"2025-03-01T00:00:00.000Z"'),
        ("auth0|2", "user_metadata.vip", "-", "false"),
        ("auth0|2", "user_metadata.renewal", "-", '"2025-03-01T13:04:05.098Z"'),
    }


def test_a_new_row_in_new_xlsx_columns_gets_a_boolean_and_an_iso_date(tmp_path: Path) -> None:
    def fn(ws: Any, col: dict[str, int]) -> None:
        _new_columns(ws, col)
        ws.cell(4, col["email"]).value = "c@example.org"
        ws.cell(4, ws.max_column - 1).value = True
        ws.cell(4, ws.max_column).value = ws.cell(2, ws.max_column).value

    backup, sheet = _xlsx(tmp_path, fn)
    result = apply_sheet(backup, sheet, tmp_path / "out.ndjson", allow_new=True)
    assert not result.refused and result.users_added == 1
    added = (tmp_path / "out.ndjson").read_text("utf-8").splitlines()[-1]
    assert '"vip":true' in added and '"renewal":"2025-03-01T00:00:00.000Z"' in added


def test_a_boolean_cell_in_a_recorded_text_column_is_still_damage(tmp_path: Path) -> None:
    def fn(ws: Any, col: dict[str, int]) -> None:
        ws.cell(4, col["email"]).value = "c@example.org"
        ws.cell(4, col["user_metadata.birthday"]).value = True

    backup, sheet = _xlsx(tmp_path, fn)
    with pytest.raises(RefusedError) as exc:
        apply_sheet(backup, sheet, None, allow_new=True)
    assert f"{sheet}:4: boolean-case" in exc.value.message


@pytest.mark.parametrize(("cell", "changes"), [("1E+05", set()), ("2E+05", {("auth0|1", "user_metadata.n", "100000", "200000")})])
def test_a_whole_number_in_scientific_notation_in_an_integer_column(tmp_path: Path, cell: str, changes: set[Any]) -> None:
    users = [{"user_id": "auth0|1", "email": "a@example.org", "user_metadata": {"n": 100000}}]
    backup, sheet = _sheet(tmp_path, _set("user_metadata.n", cell), users)
    result = apply_sheet(backup, sheet, None)
    assert not result.refused, [r.to_dict() for r in result.refusals]
    assert change_set(result) == changes
