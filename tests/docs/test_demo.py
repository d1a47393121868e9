"""`make demo` (scripts/demo.sh) runs the main workflow on fixtures/ and stays a short tour."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 40


@pytest.mark.slow
def test_demo_is_a_short_tour_that_writes_what_it_names(tmp_path: Path) -> None:
    # run where the demo cannot touch the repository's own demo-out/
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")
    bulkedit = Path(sys.executable).with_name("bulkedit")
    assert bulkedit.exists(), "the test needs the installed bulkedit script beside this python"
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "demo.sh")],
        cwd=tmp_path,
        env=dict(os.environ, BULKEDIT=str(bulkedit)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) <= MAX_LINES, f"make demo printed {len(lines)} lines; keep it a short tour"
    steps = [line for line in lines if re.match(r" ?\d+\. ", line)]
    assert len(steps) >= 8
    # every path a step names was written
    named = re.findall(r"demo-out/[\w./-]*[\w/]", proc.stdout)
    assert named
    missing = [p for p in named if not (tmp_path / p).exists()]
    assert missing == [], f"the demo names outputs it did not write: {missing}"
    # the main workflow ran: an edited export, import-ready chunks with rollback, retry chunks
    out = tmp_path / "demo-out"
    assert (out / "edited.ndjson").is_file()
    assert (out / "chunks" / "manifest.json").is_file()
    assert (out / "chunks" / "rollback").is_dir()
    assert (out / "retry" / "manifest.json").is_file()
    assert lines[-1].startswith("Next:")
