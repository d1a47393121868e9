"""Sheets bulkedit did not write: Auth0's escaped export (as CSV, or saved as XLSX by a spreadsheet),
a Dashboard export, a hand-made sheet. None has bulkedit's type record, so only what the file
says can be read: Auth0's `'` where Auth0 wrote it, nothing removed anywhere else.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import openpyxl
from sheet_helpers import FIXTURE, write_ndjson

from bulkedit.io.read import open_source, read_users

ESCAPED_EXPORT = FIXTURE.with_name("export.csv.gz")


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


def test_auth0s_export_saved_as_xlsx_is_read_without_its_quote(tmp_path: Path) -> None:
    book = _export_as_xlsx(tmp_path / "export.xlsx")
    source = open_source(book)
    users = list(source.users())
    assert source.auth0_escaped
    assert users == read_users(ESCAPED_EXPORT)
    assert users[1]["user_id"] == "auth0|a0380513666e5fa8ee6ced46" and users[1]["app_metadata"] == {"plan": "trial"}


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
