"""A sheet whose type record is gone (CSV sidecar not beside it, XLSX `_bulkedit` sheet deleted).

Untouched cells must stay untouched: each cell is compared with what `convert`
wrote for the backup user's value, in any of convert's renderings. The file
reader may refuse such a sheet outright (exit 2): that is right too, so the
comparison itself is tested with that refusal switched off (`lenient`), and
end to end the outcome must be "no change" or that refusal.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from sheet_helpers import FIXTURE, apply_sheet, change_set, make_sheet, write_ndjson
from test_sheet_roundtrip import users

from bulkedit.errors import InputError
from bulkedit.io import tabular
from bulkedit.sheet import read as sheet_read


@pytest.fixture
def lenient(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sheet reader without the file reader's refusal of a bulkedit sheet that lost its types (if it has one)."""
    if hasattr(sheet_read._CellSource, "_refuse_untyped_sheet"):
        monkeypatch.setattr(sheet_read._CellSource, "_refuse_untyped_sheet", lambda self, sample: None)


def _drop_type_record(sheet: Path) -> Path:
    """The sheet as it is after a 'Save As' under another name (CSV) or with the hidden sheet deleted (XLSX)."""
    if sheet.suffix == ".csv":
        bare = sheet.with_name("renamed.csv")
        shutil.copyfile(sheet, bare)
        return bare
    import openpyxl

    wb = openpyxl.load_workbook(sheet)
    del wb[tabular.META_SHEET]
    bare = sheet.with_name("renamed.xlsx")
    wb.save(bare)
    return bare


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_untouched_sheet_without_types_changes_nobody(tmp_path: Path, suffix: str, lenient: None) -> None:
    sheet = _drop_type_record(make_sheet(FIXTURE, tmp_path / f"users{suffix}"))
    result = apply_sheet(FIXTURE, sheet, None)
    assert not result.refused
    assert result.users_changed == 0, change_set(result)
    assert "sheet-untyped" in result.warning_counts


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=users())
def test_law_untouched_untyped_sheet_is_no_change(suffix: str, data: list[dict[str, Any]], lenient: None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        backup = write_ndjson(Path(tmp) / "backup.ndjson", data)
        sheet = _drop_type_record(make_sheet(backup, Path(tmp) / f"users{suffix}"))
        result = apply_sheet(backup, sheet, None)
        assert not result.refused, [r.to_dict() for r in result.refusals]
        assert result.users_changed == 0, change_set(result)


def test_an_edited_cell_of_a_mixed_column_is_typed_like_convert_typed_it(tmp_path: Path, lenient: None) -> None:
    backup = write_ndjson(
        tmp_path / "b.ndjson",
        [
            {"user_id": "auth0|1", "email": "a@x.com", "app_metadata": {"plan": "trial"}},
            {"user_id": "auth0|2", "email": "b@x.com", "app_metadata": {"plan": 0}},
        ],
    )
    sheet = make_sheet(backup, tmp_path / "s.csv")
    text = sheet.read_text("utf-8-sig").replace('"""trial"""', '"""pro"""')
    bare = tmp_path / "bare.csv"
    bare.write_text(text, encoding="utf-8")
    result = apply_sheet(backup, bare, None)
    assert change_set(result) == {("auth0|1", "app_metadata.plan", '"trial"', '"pro"')}


def test_a_sheet_from_a_wider_backup_is_compared_with_either_rendering(tmp_path: Path, lenient: None) -> None:
    """Made from a backup where the column was mixed (JSON cells), applied to one where it is all text."""
    wide = write_ndjson(
        tmp_path / "wide.ndjson",
        [
            {"user_id": "auth0|1", "email": "a@x.com", "app_metadata": {"plan": "trial"}},
            {"user_id": "auth0|2", "email": "b@x.com", "app_metadata": {"plan": 0}},
        ],
    )
    narrow = write_ndjson(tmp_path / "narrow.ndjson", [{"user_id": "auth0|1", "email": "a@x.com", "app_metadata": {"plan": "trial"}}])
    sheet = _drop_type_record(make_sheet(wide, tmp_path / "s.csv"))
    result = apply_sheet(narrow, sheet, None, allow_new=True)
    assert ("auth0|1", "app_metadata.plan", '"trial"', '"\\"trial\\""') not in change_set(result)
    assert result.users_changed == 0


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_end_to_end_an_untyped_sheet_changes_nobody_or_is_refused(tmp_path: Path, suffix: str) -> None:
    sheet = _drop_type_record(make_sheet(FIXTURE, tmp_path / f"users{suffix}"))
    try:
        result = apply_sheet(FIXTURE, sheet, None)
    except InputError as exc:  # the reader refuses a bulkedit sheet without its type record
        assert "sidecar" in exc.message or tabular.META_SHEET in exc.message
        return
    assert not result.refused and result.users_changed == 0, change_set(result)


ESCAPED_EXPORT = FIXTURE.with_name("export.csv.gz")


def test_auth0s_escaped_export_as_the_sheet_changes_nobody() -> None:
    """Auth0's own CSV export of the same users: its `'` marks strings, also in a mixed (JSON) column."""
    result = apply_sheet(FIXTURE, ESCAPED_EXPORT, None)
    assert not result.refused, [r.to_dict() for r in result.refusals]
    assert result.users_changed == 0, sorted(change_set(result))[:5]
    assert "sheet-text-in-json-column" not in result.warning_counts


def test_an_edit_of_auth0s_escaped_export_is_read_without_its_quote(tmp_path: Path) -> None:
    import gzip

    text = gzip.decompress(ESCAPED_EXPORT.read_bytes()).decode("utf-8")
    lines = text.splitlines(keepends=True)
    assert lines[2].endswith(",\"'trial\"\n")  # auth0|a0380513666e5fa8ee6ced46, a mixed string/int column
    lines[2] = lines[2].replace(",\"'trial\"\n", ",\"'pro\"\n")
    sheet = tmp_path / "edited.csv"
    sheet.write_text("".join(lines), encoding="utf-8")
    result = apply_sheet(FIXTURE, sheet, None)
    assert change_set(result) == {("auth0|a0380513666e5fa8ee6ced46", "app_metadata.plan", '"trial"', '"pro"')}


def test_a_new_row_of_auth0s_escaped_export_is_read_without_its_quote(tmp_path: Path) -> None:
    import gzip
    import json

    text = gzip.decompress(ESCAPED_EXPORT.read_bytes()).decode("utf-8")
    lines = text.splitlines(keepends=True)
    new = lines[2].replace("'auth0|a0380513666e5fa8ee6ced46", "'auth0|new").replace("'user1.3035@example.org", "'new@example.org")
    sheet = tmp_path / "added.csv"
    sheet.write_text("".join(lines) + new, encoding="utf-8")
    out = tmp_path / "out.ndjson"
    result = apply_sheet(FIXTURE, sheet, out, allow_new=True)
    assert result.users_added == 1 and result.users_changed == 0
    added = json.loads(out.read_text("utf-8").splitlines()[-1])
    assert added["user_id"] == "auth0|new" and added["email"] == "new@example.org"
    assert added["app_metadata"] == {"plan": "trial"}
