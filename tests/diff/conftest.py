"""Shared helpers for the diff tests: the fixture export and an edited copy made from cases/fixture_edits.json."""

from __future__ import annotations

import copy
import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from bulkedit.io import jsonio
from bulkedit.io.read import read_users
from bulkedit.paths import delete_path, get_path, parse_path, set_path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
EXPORT = ROOT / "fixtures" / "export.json.gz"
EDITS = HERE / "cases" / "fixture_edits.json"


def apply_fixture_edits(users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    spec = json.loads(EDITS.read_text("utf-8"))
    out = copy.deepcopy(users)
    for e in spec["edits"]:
        u = out[e["user"]]
        for path, value in e.get("set", {}).items():
            set_path(u, parse_path(path), value)
        for path in e.get("unset", []):
            delete_path(u, parse_path(path))
        for path in e.get("stringify", []):
            p = parse_path(path)
            set_path(u, p, str(get_path(u, p)))
    for i in sorted(spec["remove"], reverse=True):
        out.pop(i)
    out.extend(spec["add"])
    return out


def edit_csv_cell(sheet: Path, row: int, column: str, value: str) -> str:
    """Set one cell of a CSV sheet (row 0 is the header) as a spreadsheet user would; the old value."""
    with open(sheet, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    col = rows[0].index(column)
    old = rows[row][col]
    rows[row][col] = value
    with open(sheet, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return old


def write_ndjson(path: Path, users: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(jsonio.dumps(u) + b"\n" for u in users))
    return path


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding backup.json.gz (the fixture) and edited.ndjson; the current directory, so reports name relative paths."""
    shutil.copy(EXPORT, tmp_path / "backup.json.gz")
    write_ndjson(tmp_path / "edited.ndjson", apply_fixture_edits(read_users(EXPORT)))
    monkeypatch.chdir(tmp_path)
    return tmp_path
