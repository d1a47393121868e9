"""Strings that look like OOXML's `_xHHHH_` escapes survive every format, byte for byte.

Excel stores a character XML cannot carry as `_xHHHH_`, and a literal `_xHHHH_` with its
first underscore escaped (`_x005F_xHHHH_`). Two such sequences can share an underscore
(`_x005F_x0041_`, `_x0041_x0042_`): escaping only the first of them, as one
non-overlapping pass does (xlsxwriter's own way), reads back as `_x005FA` (issue 17).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sheet_helpers import apply_sheet, make_sheet, write_ndjson

from bulkedit.cli.app import main
from bulkedit.io import jsonio
from bulkedit.io.read import read_users
from bulkedit.io.xlsx import escape_text, unescape_text

#: Text made of escape pieces: runs of `_x`, hex digits of both cases and underscores.
ESCAPY = st.lists(
    st.sampled_from(["_", "x", "_x", "X", "005F", "005f", "0041", "00", "41", "F", "a", "0009", "FFFE", "_x005F_", "_x0041_", " "]),
    max_size=10,
).map("".join)

FIXED = [
    "_x005F_x0041_",
    "_x0041_",
    "_x0041_x0042_",
    "_x005F_x005F_",
    "_x005f_x0041_",
    "a_x005F_x0041_b",
    "_x0041__x0042_",
    "x005F_",
    "_x005F_",
    "_X0041_",
    "_x00_",
    "_x0009_\t_x0000_",
]


def _users(values: list[str]) -> list[dict[str, Any]]:
    """One user per value, the value in a name, a metadata value and a metadata key."""
    return [
        {
            "user_id": f"auth0|{i}",
            "email": f"u{i}@example.com",
            "name": v,
            "user_metadata": {"note": v, f"k{v}": "key"},
            "app_metadata": {"list": [v, {"inner": v}]},
        }
        for i, v in enumerate(values)
    ]


def test_escape_is_undone_by_unescape_on_the_fixed_cases() -> None:
    for text in FIXED:
        assert unescape_text(escape_text(text)) == text
    assert escape_text("_x005F_x0041_") == "_x005F_x005F_x005F_x0041_"


@settings(max_examples=500, deadline=None)
@given(text=ESCAPY)
def test_escape_is_undone_by_unescape(text: str) -> None:
    assert unescape_text(escape_text(text)) == text


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".tsv", ".json", ".ndjson", ".csv.gz", ".ndjson.gz"])
def test_the_fixed_cases_survive_every_format_and_back(suffix: str, tmp_path: Path) -> None:
    src = write_ndjson(tmp_path / "users.ndjson", _users(FIXED))
    mid = tmp_path / f"mid{suffix}"
    back = tmp_path / "back.ndjson"
    assert main(["convert", str(src), "-o", str(mid)]) == 0
    assert main(["convert", str(mid), "-o", str(back)]) == 0
    assert back.read_bytes() == src.read_bytes()


def test_a_file_name_with_an_escape_survives_in_the_sheets_provenance(tmp_path: Path) -> None:
    """The source's name is a value of the hidden type sheet, written through xlsxwriter."""
    src = write_ndjson(tmp_path / "_x005F_x0041_.ndjson", _users(["plain"]))
    sheet = make_sheet(src, tmp_path / "u.xlsx")
    from bulkedit.io.read import open_source

    source = open_source(sheet)
    list(source.records())
    assert source.meta is not None and source.meta["source"] == "_x005F_x0041_.ndjson"


SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(values=st.lists(ESCAPY, min_size=1, max_size=4))
def test_escapy_strings_survive_an_xlsx_round_trip(values: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = write_ndjson(Path(tmp) / "users.ndjson", _users(values))
        sheet = make_sheet(src, Path(tmp) / "users.xlsx")
        assert [jsonio.canonical(u) for u in read_users(sheet)] == [jsonio.canonical(u) for u in read_users(src)]


def test_edit_sheet_of_an_untouched_xlsx_changes_nothing(tmp_path: Path) -> None:
    src = write_ndjson(tmp_path / "users.ndjson", _users(FIXED))
    sheet = make_sheet(src, tmp_path / "users.xlsx")
    out = tmp_path / "out.ndjson"
    result = apply_sheet(src, sheet, out)
    assert not result.refused and result.users_changed == 0
    assert out.read_bytes() == src.read_bytes()


def test_the_openpyxl_reader_reads_the_escapes_as_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A workbook the streaming reader gives up on is read through openpyxl, whose shared-string
    table drops every `x005F_`: bulkedit reads the strings as stored instead."""
    import openpyxl

    from bulkedit.io import xlsxread

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "users"
    ws.append(["user_id", "email", "name"])
    for i, v in enumerate(FIXED):
        ws.append([f"auth0|{i}", f"u{i}@example.com", escape_text(v)])  # openpyxl writes strings as given
    path = tmp_path / "o.xlsx"
    wb.save(path)

    def gives_up(*_: Any) -> Any:
        raise xlsxread.XlsxError("not understood")

    monkeypatch.setattr(xlsxread, "Workbook", gives_up)
    assert [u["name"] for u in read_users(path)] == FIXED


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

#: What LibreOffice (7.4) keeps: it escapes only a `_xHHHH_` that is not already `_x005F_`-led, in
#: one non-overlapping pass, so it cannot store `_x005F_x0041_` or `_x0041_x0042_` itself.
LIBREOFFICE_KEEPS = ["_x0041_", "_x005F_", "x005F_", "_x0041__x0042_", "_x005F_a", "_X0041_", "a_x0009_b"]


@pytest.mark.external
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; .ci/run installs libreoffice-calc-nogui")
def test_a_sheet_saved_again_by_libreoffice_keeps_the_escapes(tmp_path: Path) -> None:
    src = write_ndjson(tmp_path / "users.ndjson", _users(LIBREOFFICE_KEEPS))
    sheet = make_sheet(src, tmp_path / "users.xlsx")
    outdir = tmp_path / "lo"
    subprocess.run(
        [str(SOFFICE), f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless",
         "--convert-to", "xlsx", "--outdir", str(outdir), str(sheet)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    out = tmp_path / "out.ndjson"
    result = apply_sheet(src, outdir / "users.xlsx", out)
    assert not result.refused and result.users_changed == 0
    assert out.read_bytes() == src.read_bytes()
