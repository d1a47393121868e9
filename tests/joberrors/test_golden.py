"""Golden files pin the text and markdown reports of the corpus (UPDATE_GOLDEN=1 rewrites them)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bulkedit.cli.app import main

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "job-errors"
GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_report_matches_golden(fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    work = tmp_path / "job-errors"
    shutil.copytree(CORPUS, work)
    monkeypatch.chdir(work)  # relative paths in the report, the same on every machine
    argv = ["errors", "errors-job1.json", "errors-job2.json.gz", "errors-empty.json", "job-status.json",
            "--chunks", "chunks", "--source", "edited-fixed.ndjson", "-o", "retry", "--limit", "2", "--format", fmt]
    assert main(argv) == 0
    out = capsys.readouterr().out
    golden = GOLDEN / f"corpus.{'md' if fmt == 'markdown' else 'txt'}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")
