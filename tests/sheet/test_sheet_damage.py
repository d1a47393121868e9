"""The damaged-CSV corpus: every kind of spreadsheet damage found with its row and column, and refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from bulkedit.cli.app import main
from bulkedit.io import tabular
from bulkedit.io.read import open_source
from bulkedit.paths import MISSING
from bulkedit.sheet import damage
from bulkedit.sheet.apply import find_damage

CORPUS = Path(__file__).resolve().parent / "damaged"
BACKUP = CORPUS / "backup.ndjson"
CASES: dict[str, list[dict[str, Any]]] = json.loads((CORPUS / "cases.json").read_text("utf-8"))


def _key(t: tuple[str, int | None, str | None]) -> tuple[str, int, str]:
    return (t[0], t[1] or 0, t[2] or "")


def test_the_corpus_covers_every_damage_code() -> None:
    assert {f["code"] for fs in CASES.values() for f in fs} == set(damage.CODES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_damage_is_found_with_row_and_column(name: str) -> None:
    found = find_damage(open_source(BACKUP), CORPUS / name)
    got = sorted(((d.code, d.row, d.column) for d in found), key=_key)
    expected = sorted(((f["code"], f["row"], f["column"]) for f in CASES[name]), key=_key)
    assert got == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_edit_sheet_refuses_damage_unless_accepted(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    codes = {f["code"] for f in CASES[name]}
    refused = {c for c in codes if damage.CODES[c][0]}
    out = tmp_path / "out.ndjson"
    rc = main(["edit", str(BACKUP), "--sheet", str(CORPUS / name), "-o", str(out)])
    text = capsys.readouterr()
    if refused:
        assert rc == 1 and not out.exists()
        for f in CASES[name]:
            if f["code"] in refused and f["column"]:
                assert f"{name}:{f['row']}" in text.out + text.err
    else:  # a BOM changes how the file is stored, not a value: warned about, applied
        assert rc == 0 and out.read_bytes() == BACKUP.read_bytes()
        assert all(c in text.out for c in codes)
    rc = main(["edit", str(BACKUP), "--sheet", str(CORPUS / name), "-o", str(out), "--force", *sum((["--accept-damage", c] for c in sorted(codes)), [])])
    assert rc == 0 and out.exists()


def test_the_clean_sheet_has_no_damage_and_changes_nothing(tmp_path: Path) -> None:
    assert find_damage(open_source(BACKUP), CORPUS / "sheet.csv") == []
    out = tmp_path / "o.ndjson"
    assert main(["edit", str(BACKUP), "--sheet", str(CORPUS / "sheet.csv"), "-o", str(out)]) == 0
    assert out.read_bytes() == BACKUP.read_bytes()


def test_accepting_one_code_leaves_the_others_refused(tmp_path: Path) -> None:
    out = tmp_path / "o.ndjson"
    sheet = CORPUS / "excel-resave.csv"
    assert main(["edit", str(BACKUP), "--sheet", str(sheet), "-o", str(out), "--accept-damage", "leading-zeros"]) == 1
    assert main(["edit", str(BACKUP), "--sheet", str(sheet), "-o", str(out), "--accept-damage", "all"]) == 0


def test_a_sheet_without_its_sidecar_is_still_compared_with_the_backup(tmp_path: Path) -> None:
    shutil.copyfile(CORPUS / "leading-zeros.csv", tmp_path / "z.csv")
    found = find_damage(open_source(BACKUP), tmp_path / "z.csv")
    assert {(d.code, d.row, d.column) for d in found} == {
        ("leading-zeros", 2, "user_metadata.zip"),
        ("leading-zeros", 4, "user_metadata.zip"),
    }


# Cells a person could have typed: not damage.
@pytest.mark.parametrize(
    ("cell", "kind", "old"),
    [
        ("02135", tabular.STRING, "02134"),  # an edit that keeps the zeros
        ("2135", tabular.STRING, "02134"),  # a different number, not the same one without zeros
        ("O\u2019Brien", tabular.STRING, MISSING),  # typography in a new value
        ("2024-02-03T00:00:00.000Z", tabular.STRING, "2024-01-02T03:04:05.000Z"),  # ISO stays ISO
        ("1.5", tabular.NUMBER, 2.5),
        ("true", tabular.STRING, "false"),
        ("FALSE", tabular.BOOLEAN, True),  # a boolean column takes TRUE/FALSE
        ("12345678901234567891", tabular.STRING, "12345678901234567890"),
        ("12345678901234500001", tabular.INTEGER, 12345678901234567890),  # not what 15 digits make of it
        ("3-4", tabular.STRING, "1-2"),  # another range, typed
        ("2-1", tabular.STRING, "1-2"),
        ("1-2-4", tabular.STRING, "1-2-3"),
        ("13-Jan", tabular.STRING, "1-2"),
        ("3", tabular.STRING, "2.0"),
        ("2.50", tabular.STRING, "2.5"),  # zeros added: a person's doing
        ("2.1", tabular.STRING, "2.15"),
        ("4155550100", tabular.STRING, "+14155550100"),
        ("+14155550199", tabular.STRING, "+14155550100"),
        ("12345678901234000000", tabular.INTEGER, 12345678901234567890),
        ("Zoë", tabular.STRING, "Zoe"),
        ("0E0", tabular.STRING, "0"),  # typed: a spreadsheet shows 0 as 0
        ("1.5E3", tabular.STRING, "x"),  # a name edited to what looks like a number
        ("1E3", tabular.STRING, "1000"),  # no digit lost
        ("2E+19", tabular.STRING, "12345678901234567890"),  # another number
        ("1990-05-18", tabular.STRING, "1990-05-17"),  # a date-only value edited in its own ISO form
        ("2025-01-02", tabular.JSON, "2024-01-02"),
        ("2024-01-03 10:00", tabular.STRING, "2024-01-02 09:00"),
        ("2.5e-07", tabular.NUMBER, 1.5e-07),  # bulkedit writes small floats this way
        ("1e-3", tabular.NUMBER, 2.5),
        ("1.5E-07", tabular.NUMBER, 1.5e-07),
    ],
)
def test_ordinary_edits_are_not_damage(cell: Any, kind: str, old: Any) -> None:
    assert damage.check_cell(cell, kind, old) is None


@pytest.mark.parametrize(
    ("cell", "kind", "old", "code"),
    [
        (2134, tabular.STRING, "02134", damage.LEADING_ZEROS),  # XLSX number cell
        (1.2345678901234567e19, tabular.INTEGER, 12345678901234567890, damage.PRECISION),
        ("12345678901234600000", tabular.INTEGER, 12345678901234567890, damage.PRECISION),  # rounded
        ("12345678901234500000", tabular.INTEGER, 12345678901234567890, damage.PRECISION),  # truncated (Excel)
        ("-12345678901234500000", tabular.INTEGER, -12345678901234567890, damage.PRECISION),
        ("123456789012345000", tabular.STRING, "123456789012345678", damage.PRECISION),  # digits kept as text
        ("1,23457E+19", tabular.STRING, MISSING, damage.SCIENTIFIC),
        ("1.23457E+19", tabular.STRING, "12345678901234567890", damage.SCIENTIFIC),  # digits kept as text
        ("1.23457E+19", tabular.INTEGER, 12345678901234567890, damage.SCIENTIFIC),
        ("1.23457E+19", tabular.JSON, 12345678901234567890, damage.SCIENTIFIC),
        ("3/4/2025 10:11 PM", tabular.STRING, MISSING, damage.DATE),
        ("TRUE", tabular.JSON, True, damage.BOOLEAN_CASE),
        ("[\u201ca\u201d]", tabular.JSON, ["a"], damage.SMART_QUOTES),
        ("ZoÃ« Ã˜degÃ¥rd", tabular.STRING, MISSING, damage.MOJIBAKE),
        ("??", tabular.STRING, "東京", damage.ENCODING),
        ("2-Jan", tabular.STRING, "1-2", damage.TEXT_TO_DATE),  # Excel (en-US)
        ("4-Mar", tabular.STRING, "3-4", damage.TEXT_TO_DATE),
        ("03/04/26", tabular.STRING, "3/4", damage.TEXT_TO_DATE),  # LibreOffice
        ("1/2/2003", tabular.STRING, "1-2-3", damage.TEXT_TO_DATE),
        ("2. Jan", tabular.STRING, "1-2", damage.TEXT_TO_DATE),  # a German locale
        ("44928", tabular.STRING, "1-2", damage.TEXT_TO_DATE),  # the date's day number
        ("2", tabular.STRING, "2.0", damage.TRAILING_ZEROS),
        ("1.1", tabular.STRING, "1.10", damage.TRAILING_ZEROS),
        (100.0, tabular.STRING, "100.00", damage.TRAILING_ZEROS),  # XLSX number cell
        ("14155550100", tabular.STRING, "+14155550100", damage.PLUS_LOST),
        (14155550100, tabular.STRING, "+14155550100", damage.PLUS_LOST),
        ("5/17/1990", tabular.STRING, "1990-05-17", damage.DATE),
        ("17-05-1990", tabular.STRING, "1990-05-17", damage.DATE),  # same separators, another order
        ("1990-05-17 00:00:00", tabular.STRING, "1990-05-17", damage.DATE),
        ("2024-01-02 03:04", tabular.STRING, "2024-01-02T03:04:05", damage.DATE),
        ("1.23457E-01", tabular.NUMBER, 0.12345678901234, damage.SCIENTIFIC),  # about the old value, digits lost
        ("1.23457E+16", tabular.NUMBER, 1.2345678901234568e16, damage.SCIENTIFIC),
    ],
)
def test_damaged_cells(cell: Any, kind: str, old: Any, code: str) -> None:
    found = damage.check_cell(cell, kind, old)
    assert found is not None and found[0] == code


def test_an_xlsx_date_cell_where_day_month_text_was_is_text_to_date() -> None:
    from datetime import datetime

    found = damage.check_cell(datetime(2026, 3, 4), tabular.STRING, "3/4")
    assert found is not None and found[0] == damage.TEXT_TO_DATE


def test_an_xlsx_date_cell_where_text_was_is_damage() -> None:
    from datetime import datetime

    found = damage.check_cell(datetime(2024, 1, 2, 3, 4), tabular.STRING, "2024-01-02T03:04:05.000Z")
    assert found is not None and found[0] == damage.DATE


def test_keep_damaged_keeps_the_backup_values_and_applies_the_real_edit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o.ndjson"
    sheet = CORPUS / "excel-resave.csv"
    assert main(["edit", str(BACKUP), "--sheet", str(sheet), "-o", str(out), "--keep-damaged", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(c["key"], c["path"], c["new"]) for c in data["changes"]] == [("auth0|u3", "given_name", "May")]
    assert {"kept-leading-zeros", "kept-date-rewritten", "kept-boolean-case", "kept-scientific-notation"} <= set(data["warning_counts"])
    before = BACKUP.read_text("utf-8").splitlines()
    after = out.read_text("utf-8").splitlines()
    assert after[:2] == before[:2] and json.loads(after[2])["given_name"] == "May"


def test_keep_damaged_reads_a_cp1252_file_and_keeps_what_it_lost(tmp_path: Path) -> None:
    out = tmp_path / "o.ndjson"
    sheet = CORPUS / "encoding-cp1252.csv"
    assert main(["edit", str(BACKUP), "--sheet", str(sheet), "-o", str(out)]) == 1
    assert main(["edit", str(BACKUP), "--sheet", str(sheet), "-o", str(out), "--keep-damaged"]) == 0
    assert out.read_bytes() == BACKUP.read_bytes()
