"""The streaming XLSX reader gives the values openpyxl gives, on workbooks from several writers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sheet_helpers import FIXTURE, make_sheet

from bulkedit.io.xlsxread import Workbook, XlsxError


def fast_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = Workbook(path)
    try:
        return {s.name: [r for r in book.rows(s)] for s in book.sheets}
    finally:
        book.close()


def slow_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


def trimmed(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    out = []
    for r in rows:
        r = list(r)
        while r and r[-1] is None:
            r.pop()
        out.append(tuple(r))
    while out and not out[-1]:
        out.pop()
    return out


def test_same_values_as_openpyxl_on_a_sheet_for_editing(tmp_path: Path) -> None:
    sheet = make_sheet(FIXTURE, tmp_path / "u.xlsx")
    fast, slow = fast_rows(sheet), slow_rows(sheet)
    assert fast.keys() == slow.keys()
    for name in fast:
        assert trimmed(fast[name]) == trimmed(slow[name])


def test_same_values_on_a_workbook_openpyxl_wrote(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "users"
    ws.append(["user_id", "when", "n", "x", "ok", "text"])
    ws.append(["auth0|1", dt.datetime(2024, 1, 2, 3, 4), 12, 1.5, True, "two"])
    ws.append([])  # a gap: row numbers must stay right
    ws.append(["auth0|3", dt.date(2023, 5, 6), -7, 1e20, False, None])
    ws["B4"].number_format = "yyyy-mm-dd"
    ws["A5"] = "rich _x0041_ text"
    path = tmp_path / "o.xlsx"
    wb.save(path)
    fast, slow = fast_rows(path), slow_rows(path)
    assert trimmed(fast["users"])[:4] == trimmed(slow["users"])[:4]
    assert isinstance(fast["users"][1][1], dt.datetime)
    assert fast["users"][2] == ()


def test_a_formula_openpyxl_wrote_has_no_value_to_read(tmp_path: Path) -> None:
    """openpyxl reads such a cell as empty; this reader says which cell it cannot read."""
    from bulkedit.io.xlsxread import UncomputedFormula

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["user_id", "given_name"])
    ws.append(["auth0|1", "=1+1"])
    path = tmp_path / "f.xlsx"
    wb.save(path)
    with pytest.raises(UncomputedFormula) as info:
        fast_rows(path)
    assert info.value.ref == "B2"


def test_a_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(XlsxError):
        Workbook(path)


def test_a_dtd_is_refused(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "bomb.xlsx"
    lol = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><workbook><sheets/></workbook>'
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/workbook.xml", lol)
    with pytest.raises(XlsxError):
        Workbook(path)
