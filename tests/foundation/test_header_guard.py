"""convert to CSV/TSV guards formula-like header cells too, and reads them back losslessly (issue 17, group 4)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bulkedit.cli.app import main
from bulkedit.io.read import read_users

KEYS = ["-", "@", "=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(A1)", "'quoted", "''twice", "\tTAB", "plain"]


@pytest.mark.parametrize("suffix", ["csv", "tsv", "csv.gz"])
def test_formula_like_headers_are_guarded_and_read_back(tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str) -> None:
    user = {"user_id": "auth0|1", "email": "a@example.com", **{k: f"v{i}" for i, k in enumerate(KEYS)}}
    src = tmp_path / "in.ndjson"
    src.write_text(json.dumps(user) + "\n", "utf-8")
    out = tmp_path / f"out.{suffix}"
    assert main(["convert", str(src), "-o", str(out)]) == 0
    if not suffix.endswith("gz"):
        with out.open(encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f, delimiter="\t" if suffix == "tsv" else ","))
        assert not [h for h in header if h[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert read_users(out) == [user]
    (out.parent / (out.name + ".bulkedit.json")).unlink()  # without the type record too
    (back,) = read_users(out)
    assert back["-"] == "v0" and back["@"] == "v1"
    capsys.readouterr()
