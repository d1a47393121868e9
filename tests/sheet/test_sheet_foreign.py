"""Sheets bulkedit did not write: Auth0's escaped export (as CSV, or saved as XLSX by a spreadsheet),
a Dashboard export, a hand-made sheet. None has bulkedit's type record, so only what the file
says can be read: Auth0's `'` where Auth0 wrote it, nothing removed anywhere else.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sheet_helpers import FIXTURE, apply_sheet, change_set, write_ndjson

from bulkedit.cli.app import main
from bulkedit.errors import RefusedError
from bulkedit.io.read import open_source, read_users
from fixtures.make_fixtures import auth0_cell

ESCAPED_EXPORT = FIXTURE.with_name("export.csv.gz")


def _auth0_csv(path: Path, columns: list[str], rows: list[list[Any]]) -> Path:
    lines = [",".join(f'"{c}"' for c in columns)] + [",".join(auth0_cell(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _xlsx(path: Path, rows: list[list[Any]]) -> Path:
    """A workbook as a spreadsheet saves one: a single sheet, no `_bulkedit` type sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _export_as_xlsx(path: Path, edit: Any = None) -> Path:
    """The fixture's Auth0 CSV export opened in a spreadsheet and saved as XLSX: text keeps its `'`,
    numbers become number cells, true/false and dates stay text (as LibreOffice saved it in audit G2)."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(gzip.decompress(ESCAPED_EXPORT.read_bytes()).decode("utf-8"))))
    typed: list[list[Any]] = [rows[0]]
    for row in rows[1:]:
        typed.append([None if c == "" else int(c) if c.isdigit() else c for c in row])
    if edit is not None:
        edit(typed)
    return _xlsx(path, typed)


# -- 1. an empty cell where the backup holds null (audit H finding 5) ---------------------------


NULL_USERS = [
    {"user_id": "auth0|1", "email": "a@example.org", "given_name": "Ann", "app_metadata": {"plan": None}},
    {"user_id": "auth0|2", "email": "b@example.org", "given_name": "Bob", "app_metadata": {"plan": "pro"}},
]


def test_auth0s_export_with_a_null_leaf_as_the_sheet_changes_nobody(tmp_path: Path) -> None:
    backup = write_ndjson(tmp_path / "backup.ndjson", NULL_USERS)
    sheet = _auth0_csv(
        tmp_path / "export.csv",
        ["user_id", "email", "given_name", "app_metadata.plan"],
        [["auth0|1", "a@example.org", "Ann", None], ["auth0|2", "b@example.org", "Bob", "pro"]],
    )
    source = open_source(sheet)
    list(source.users())
    assert source.auth0_escaped
    result = apply_sheet(backup, sheet, None)
    assert not result.refused and result.users_changed == 0, change_set(result)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_hand_made_sheet_with_an_empty_cell_for_a_null_changes_nobody(tmp_path: Path, suffix: str) -> None:
    backup = write_ndjson(tmp_path / "backup.ndjson", NULL_USERS)
    rows: list[list[Any]] = [["user_id", "app_metadata.plan"], ["auth0|1", None], ["auth0|2", "pro"]]
    if suffix == ".csv":
        sheet = tmp_path / "hand.csv"
        sheet.write_text("user_id,app_metadata.plan\nauth0|1,\nauth0|2,pro\n", encoding="utf-8")
    else:
        sheet = _xlsx(tmp_path / "hand.xlsx", rows)
    result = apply_sheet(backup, sheet, None)
    assert not result.refused and result.users_changed == 0, change_set(result)


def test_an_emptied_cell_of_a_hand_made_sheet_still_removes_a_value(tmp_path: Path) -> None:
    backup = write_ndjson(tmp_path / "backup.ndjson", NULL_USERS)
    sheet = tmp_path / "hand.csv"
    sheet.write_text("user_id,app_metadata.plan\nauth0|1,\nauth0|2,\n", encoding="utf-8")
    result = apply_sheet(backup, sheet, None)
    assert change_set(result) == {("auth0|2", "app_metadata.plan", '"pro"', "-")}


def test_a_typed_sheet_still_reads_an_emptied_null_cell_as_a_removal(tmp_path: Path) -> None:
    """bulkedit writes null as `null`: in its own sheet an empty cell is an absent field."""
    from sheet_helpers import make_sheet

    backup = write_ndjson(tmp_path / "backup.ndjson", NULL_USERS)
    made = make_sheet(backup, tmp_path / "s.csv")
    text = made.read_text("utf-8-sig")
    assert "auth0|1,a@example.org,Ann,null" in text
    made.write_text(text.replace("auth0|1,a@example.org,Ann,null", "auth0|1,a@example.org,Ann,"), encoding="utf-8")
    result = apply_sheet(backup, made, None)
    assert change_set(result) == {("auth0|1", "app_metadata.plan", "null", "-")}


# -- 2. Auth0's export saved as XLSX (audit G2) -------------------------------------------------


def test_auth0s_export_saved_as_xlsx_is_read_without_its_quote(tmp_path: Path) -> None:
    book = _export_as_xlsx(tmp_path / "export.xlsx")
    source = open_source(book)
    users = list(source.users())
    assert source.auth0_escaped
    assert users == read_users(ESCAPED_EXPORT)
    assert users[1]["user_id"] == "auth0|a0380513666e5fa8ee6ced46" and users[1]["app_metadata"] == {"plan": "trial"}


def test_auth0s_export_saved_as_xlsx_as_the_sheet_changes_nobody(tmp_path: Path) -> None:
    book = _export_as_xlsx(tmp_path / "export.xlsx")
    result = apply_sheet(FIXTURE, book, None)
    assert not result.refused, [r.to_dict() for r in result.refusals]
    assert result.users_changed == 0 and result.users_added == 0, sorted(change_set(result))[:5]


def test_an_edit_and_a_new_row_of_auth0s_export_saved_as_xlsx(tmp_path: Path) -> None:
    def edit(rows: list[list[Any]]) -> None:
        assert rows[2][0] == "'auth0|a0380513666e5fa8ee6ced46" and rows[2][-1] == "'trial"
        rows[2][-1] = "'pro"
        new = list(rows[2])
        new[0], new[1] = "'auth0|new", "'new@example.org"
        rows.append(new)

    book = _export_as_xlsx(tmp_path / "edited.xlsx", edit)
    with pytest.raises(RefusedError) as exc:  # without --allow-new: only the really new row is new
        apply_sheet(FIXTURE, book, None)
    assert exc.value.message.count("sheet-new-row") == 1
    out = tmp_path / "out.ndjson"
    result = apply_sheet(FIXTURE, book, out, allow_new=True)
    assert change_set(result) == {("auth0|a0380513666e5fa8ee6ced46", "app_metadata.plan", '"trial"', '"pro"')}
    assert result.users_added == 1
    added = json.loads(out.read_text("utf-8").splitlines()[-1])
    assert added["user_id"] == "auth0|new" and added["email"] == "new@example.org"
    assert added["app_metadata"] == {"plan": "pro"} and added["identities"] == [{"connection": "legacy-db"}]


def test_a_hand_made_xlsx_with_some_apostrophe_text_is_not_escaped(tmp_path: Path) -> None:
    book = _xlsx(
        tmp_path / "hand.xlsx",
        [["email", "family_name"], ["g@x.com", "'t Hooft"], ["h@x.com", "Smith"], ["i@x.com", "Jones"]],
    )
    source = open_source(book)
    assert [u["family_name"] for u in source.users()] == ["'t Hooft", "Smith", "Jones"]
    assert not source.auth0_escaped


def test_bulkedits_own_xlsx_is_not_taken_for_auth0s_export(tmp_path: Path) -> None:
    from sheet_helpers import make_sheet

    backup = write_ndjson(tmp_path / "b.ndjson", [{"user_id": "auth0|1", "email": "a@x.com", "family_name": "'t Hooft"}])
    made = make_sheet(backup, tmp_path / "s.xlsx")
    source = open_source(made)
    assert list(source.users()) == read_users(backup) and not source.auth0_escaped


# -- 3. a leading `'` of a sheet that is not Auth0's escaped export (audit G3) -------------------


TH = [
    {"user_id": "auth0|1", "email": "g@x.com", "given_name": "Gerard", "family_name": "'t Hooft", "nickname": "=cmd",
     "identities": [{"connection": "db"}]},
    {"user_id": "auth0|2", "email": "h@x.com", "given_name": "Ann", "family_name": "Smith", "nickname": "+1 ann",
     "identities": [{"connection": "db"}]},
]  # fmt: skip


def test_a_dashboard_export_keeps_a_leading_apostrophe(tmp_path: Path) -> None:
    backup = write_ndjson(tmp_path / "th.ndjson", TH)
    sheet = tmp_path / "dash.csv"
    sheet.write_text(
        "Id,Email,Given Name,Family Name,Nickname,Connection\n"
        "auth0|1,g@x.com,Gerard,'t Hooft,=cmd,db\nauth0|2,h@x.com,Ann,Smith,+1 ann,db\n",
        encoding="utf-8",
    )
    result = apply_sheet(backup, sheet, None)
    assert not result.refused and result.users_changed == 0, change_set(result)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_hand_made_sheet_keeps_a_leading_apostrophe_in_edits_and_new_users(tmp_path: Path, suffix: str) -> None:
    backup = write_ndjson(tmp_path / "th.ndjson", TH)
    rows = [
        ["email", "family_name", "user_metadata.city", "identities[0].connection"],
        ["g@x.com", "'t Hooft", "'s-Hertogenbosch", "db"],
        ["n@x.com", "'t Hart", "'s-Gravenhage", "db"],
    ]
    if suffix == ".csv":
        sheet = tmp_path / "hand.csv"
        sheet.write_text("".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    else:
        sheet = _xlsx(tmp_path / "hand.xlsx", rows)  # type: ignore[arg-type]
    out = tmp_path / "out.ndjson"
    result = apply_sheet(backup, sheet, out, key="email", allow_new=True)
    assert change_set(result) == {("g@x.com", "user_metadata", "-", '{"city":"\'s-Hertogenbosch"}')}
    added = json.loads(out.read_text("utf-8").splitlines()[-1])
    assert added["family_name"] == "'t Hart" and added["user_metadata"] == {"city": "'s-Gravenhage"}


# -- 4. the hint of a refusal of two new rows with one email (audit G9) --------------------------


def test_two_new_rows_with_one_email_get_a_hint_of_their_own(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backup = write_ndjson(tmp_path / "b.ndjson", TH)
    sheet = tmp_path / "s.csv"
    sheet.write_text(
        "user_id,email,identities[0].connection\nauth0|1,g@x.com,db\n,twin@x.com,db\n,twin@x.com,db\n", encoding="utf-8"
    )
    assert main(["edit", str(backup), "--sheet", str(sheet), "--allow-new", "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert "sheet-new-user-email-twice" in err
    assert "--accept-damage" not in err
    assert "keep one row per new user" in err
