"""The sheet opens in a real spreadsheet application: LibreOffice headless reads it and saves it back."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest
from sheet_helpers import FIXTURE, apply_sheet, make_sheet

from bulkedit.io.read import read_users

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = [
    pytest.mark.external,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; .ci/run installs libreoffice-calc-nogui"),
]


def soffice(tmp: Path, target: str, src: Path, outdir: Path) -> Path:
    outdir.mkdir(exist_ok=True)
    profile = (tmp / "lo-profile").as_uri()
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", target, "--outdir", str(outdir), str(src)],
        check=True, capture_output=True, timeout=180,
    )
    out = outdir / (src.stem + "." + target.split(":")[0])
    assert out.exists(), f"LibreOffice wrote nothing for {src}"
    return out


def test_libreoffice_reads_every_cell_of_the_sheet(tmp_path: Path) -> None:
    sheet = make_sheet(FIXTURE, tmp_path / "users.xlsx")
    out = soffice(tmp_path, "csv:Text - txt - csv (StarCalc):44,34,76", sheet, tmp_path / "lo")
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    users = read_users(FIXTURE)
    header = rows[0]
    assert header[:2] == ["user_id", "email"]
    assert len(rows) == len(users) + 1
    col = {h: i for i, h in enumerate(header)}
    for user, row in zip(users, rows[1:], strict=True):
        assert row[col["user_id"]] == user["user_id"]
        assert row[col["email"]] == user["email"]
        assert row[col["given_name"]] == user.get("given_name", "")
        assert row[col["email_verified"]] == {True: "TRUE", False: "FALSE"}[user["email_verified"]]


def test_a_sheet_saved_again_by_libreoffice_applies_with_no_changes(tmp_path: Path) -> None:
    sheet = make_sheet(FIXTURE, tmp_path / "users.xlsx")
    resaved = soffice(tmp_path, "xlsx", sheet, tmp_path / "lo")
    out = tmp_path / "out.ndjson"
    result = apply_sheet(FIXTURE, resaved, out)
    assert not result.refused and result.users_changed == 0
    import gzip

    assert out.read_bytes() == gzip.decompress(FIXTURE.read_bytes())


def test_a_csv_sheet_saved_by_libreoffice_has_its_damage_found(tmp_path: Path) -> None:
    """The real thing: Calc opens the CSV with its default number detection and saves it again."""
    import json

    from bulkedit.cli.app import main
    from bulkedit.io.read import open_source
    from bulkedit.sheet.apply import find_damage

    corpus = Path(__file__).resolve().parent / "damaged"
    src = tmp_path / "users.csv"
    shutil.copyfile(corpus / "sheet.csv", src)
    outdir = tmp_path / "lo"
    outdir.mkdir()
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--infilter=CSV:44,34,76,1",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(outdir), str(src)],
        check=True, capture_output=True, timeout=180,
    )
    saved = outdir / "users.csv"
    sidecar = json.loads((corpus / "sheet.csv.bulkedit.json").read_text("utf-8"))
    (outdir / "users.csv.bulkedit.json").write_text(json.dumps(sidecar), encoding="utf-8")
    found = {(d.code, d.row, d.column) for d in find_damage(open_source(corpus / "backup.ndjson"), saved)}
    assert {("leading-zeros", 2, "user_metadata.zip"), ("leading-zeros", 4, "user_metadata.zip")} <= found
    assert {c for c, _, k in found if k == "user_metadata.ledger"} <= {"scientific-notation", "number-precision"}
    assert any(k == "user_metadata.ledger" for _, _, k in found)
    # text Calc read as a number or a date: "2.0" -> 2, "1.10" -> 1.1, "3/4" -> 03/04/26
    assert {("trailing-zeros", 2, "user_metadata.ver"), ("trailing-zeros", 3, "user_metadata.ver")} <= found
    assert ("text-to-date", 3, "user_metadata.range") in found
    out = tmp_path / "out.ndjson"
    assert main(["edit", str(corpus / "backup.ndjson"), "--sheet", str(saved), "-o", str(out)]) == 1
    assert not out.exists()


def test_a_csv_sheet_opened_in_libreoffice_and_saved_as_xlsx(tmp_path: Path) -> None:
    """No type information survives (the sidecar stays behind); the backup's values type the cells."""
    from bulkedit.io.read import open_source
    from bulkedit.sheet.apply import find_damage

    corpus = Path(__file__).resolve().parent / "damaged"
    src = tmp_path / "users.csv"
    shutil.copyfile(corpus / "sheet.csv", src)
    outdir = tmp_path / "lo"
    outdir.mkdir()
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless",
         "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(outdir), str(src)],
        check=True, capture_output=True, timeout=180,
    )
    saved = outdir / "users.xlsx"
    found = {(d.code, d.row, d.column) for d in find_damage(open_source(corpus / "backup.ndjson"), saved)}
    assert {("leading-zeros", 2, "user_metadata.zip"), ("leading-zeros", 4, "user_metadata.zip")} <= found
    ledger = {c for c, _, k in found if k == "user_metadata.ledger"}
    assert ledger and ledger <= {"scientific-notation", "number-precision"}
    assert ("line-breaks", 3, "user_metadata.note") in found  # a CRLF inside the cell came back as LF
    # untouched typed values (booleans, numbers, ids, text) are not findings
    assert {("trailing-zeros", 2, "user_metadata.ver"), ("text-to-date", 3, "user_metadata.range")} <= found
    damaged = {"user_metadata.zip", "user_metadata.ledger", "user_metadata.flag", "user_metadata.since", "created_at",
               "user_metadata.note", "user_metadata.ver", "user_metadata.range"}
    assert {k for _, _, k in found} <= damaged
