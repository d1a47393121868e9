"""Zero users round-trip through convert like any other count (issue 14, item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkedit.cli.app import main


@pytest.mark.parametrize("suffix", ["csv", "tsv", "csv.gz", "xlsx", "json", "json.gz"])
def test_no_users_round_trip(tmp_path: Path, capsys, suffix: str) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("[]\n")
    out = tmp_path / f"out.{suffix}"
    back = tmp_path / "back.json"
    assert main(["convert", str(empty), "-o", str(out)]) == 0
    assert main(["convert", str(out), "-o", str(back)]) == 0, capsys.readouterr().err
    assert back.read_text().strip() == "[]"
