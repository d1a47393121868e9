"""The `bulkedit-lint` pre-commit hook: its file pattern, and its entry runs the real CLI."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _hook() -> dict[str, Any]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for h in hooks if h["id"] == "bulkedit-lint"]
    return hook


def test_hook_is_a_python_hook_on_the_bulkedit_command() -> None:
    hook = _hook()
    assert hook["language"] == "python" and hook["entry"] == "bulkedit lint"
    assert hook["require_serial"] is True  # duplicates are found across all the files at once
    # pre-commit installs this repository and runs its console script
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["bulkedit"] == "bulkedit.cli.app:main"


@pytest.mark.parametrize(
    ("name", "matched"),
    [("users/import.json", True), ("export.ndjson.gz", True), ("a/b.jsonl", True), ("README.md", False), ("users.csv", False), ("x.json.bak", False)],
)
def test_files_pattern(name: str, matched: bool) -> None:
    assert bool(re.search(_hook()["files"], name)) is matched  # pre-commit uses re.search


def _run_entry(*files: Path) -> subprocess.CompletedProcess[str]:
    """The hook's entry as pre-commit runs it: the entry's words, then the staged file names."""
    program, *args = shlex.split(_hook()["entry"])
    assert program == "bulkedit"
    argv = [sys.executable, "-m", "bulkedit", *args, *map(str, files)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=300)


def test_entry_passes_a_clean_import_file_and_fails_a_broken_one(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps([{"email": "ana@example.com", "email_verified": True}]))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"email": "ana@example.com", "emial_verified": True}, {"email": "ana@example.com"}]))
    ok = _run_entry(good)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    failed = _run_entry(good, bad)
    assert failed.returncode == 1
    assert "bad.json:" in failed.stdout and "BE" in failed.stdout
