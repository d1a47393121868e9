"""Zero users round-trip through every format and command like any other count (issue 14, item 5).

The rule that keeps issue 16's refusal of an empty download: empty (or blank) content is zero
users only from an NDJSON file named so (`.ndjson`, `.jsonl`) or a complete gzip stream; an empty
or blank file of any other name is refused as a failed download.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bulkedit.cli.app import main

FORMATS = ["ndjson", "ndjson.gz", "jsonl", "csv", "tsv", "csv.gz", "xlsx", "json", "json.gz"]


@pytest.mark.parametrize("suffix", FORMATS)
def test_no_users_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("[]\n")
    out = tmp_path / f"out.{suffix}"
    back = tmp_path / "back.json"
    assert main(["convert", str(empty), "-o", str(out)]) == 0
    assert main(["convert", str(out), "-o", str(back)]) == 0, capsys.readouterr().err
    assert back.read_text().strip() == "[]"
    again = tmp_path / f"again.{suffix}"
    assert main(["convert", str(back), "-o", str(again)]) == 0
    if suffix != "xlsx":  # (a workbook's zip carries no fixed bytes to compare)
        content = gzip.decompress if suffix.endswith(".gz") else (lambda b: b)
        assert content(again.read_bytes()) == content(out.read_bytes())


@pytest.mark.parametrize("suffix", ["ndjson", "ndjson.gz", "json", "csv", "xlsx"])
def test_every_command_takes_zero_users(tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("[]\n")
    users = tmp_path / f"users.{suffix}"
    assert main(["convert", str(empty), "-o", str(users)]) == 0
    plan = tmp_path / "plan.yaml"
    plan.write_text("edits:\n  - set: {user_metadata.tier: basic}\n")
    capsys.readouterr()
    assert main(["inspect", str(users), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["users"] == 0
    assert main(["lint", str(users)]) == 0
    assert main(["edit", str(users), "--plan", str(plan), "-o", str(tmp_path / "edited.ndjson")]) == 0
    assert (tmp_path / "edited.ndjson").read_bytes() == b""
    assert main(["diff", str(users), str(tmp_path / "edited.ndjson")]) == 0
    out = tmp_path / "chunks"
    assert main(["emit", str(tmp_path / "edited.ndjson"), "-o", str(out), "--backup", str(users)]) == 0
    assert json.loads((out / "manifest.json").read_text())["users"] == 0
    assert main(["lint", str(out)]) == 0
    assert main(["diff", str(users), str(out)]) == 0


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_sheet_of_zero_users_applies(tmp_path: Path, suffix: str) -> None:
    backup = tmp_path / "backup.ndjson"
    backup.write_bytes(b"")
    sheet = tmp_path / f"users.{suffix}"
    assert main(["convert", str(backup), "-o", str(sheet)]) == 0
    out = tmp_path / "out.ndjson"
    assert main(["edit", str(backup), "--sheet", str(sheet), "-o", str(out)]) == 0
    assert out.read_bytes() == b""


@pytest.mark.parametrize(("name", "data"), [("export.json", b""), ("export.json", b" \n \n"), ("users.csv", b""), ("users", b"\n")])
def test_an_empty_or_blank_download_is_still_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert main(["inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert "holds no users (the file is" in err and "download" in err
