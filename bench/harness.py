"""Benchmark plumbing: data files, steps run in fresh processes, wall time and peak memory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
BULKEDIT = [sys.executable, "-m", "bulkedit"]


@dataclass
class Step:
    """One measured command. `max_ratio` is against the baseline; `max_seconds`/`max_mb` absolute."""

    name: str
    argv: list[str]
    max_ratio: float | None = None
    max_seconds: float | None = None
    max_mb: float | None = None
    setup: Callable[[], None] | None = None
    expect_rc: tuple[int, ...] = (0,)
    #: Runs of a short step; the median is reported (one run of 0.2 s is mostly noise).
    repeat: int = 1
    #: After each run: lines to print under the step (figures the step's program cannot report itself)
    after: Callable[[], list[str]] | None = None


@dataclass
class Measured:
    step: Step
    seconds: float
    peak_mb: float
    rc: int
    ratio: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        s = self.step
        good = self.rc in s.expect_rc
        if s.max_ratio is not None and self.ratio is not None:
            good = good and self.ratio <= s.max_ratio
        if s.max_seconds is not None:
            good = good and self.seconds <= s.max_seconds
        if s.max_mb is not None:
            good = good and self.peak_mb <= s.max_mb
        return good


def run_step(step: Step, *, log: Path) -> Measured:
    """`step` measured once, or its median run of `step.repeat`."""
    runs = sorted((_run_once(step, log=log) for _ in range(step.repeat)), key=lambda m: m.seconds)
    return runs[len(runs) // 2]


def _run_once(step: Step, *, log: Path) -> Measured:
    """Run `step.argv` in a fresh process; peak memory is the largest RSS of it and its children.

    The step is started by a small measuring process (bench.measure), so its peak is
    its own and not the harness's memory inherited at fork.
    """
    if step.setup is not None:
        step.setup()
    # Start every step with no dirty pages left by the previous one: its writeback
    # would otherwise be charged to whichever step runs next.
    os.sync()
    result = DATA / "measure.json"
    with open(log, "ab") as err:
        err.write(f"\n## {step.name}: {' '.join(step.argv)}\n".encode())
        err.flush()
        subprocess.run([sys.executable, "-m", "bench.measure", str(result), "--", *step.argv], stderr=err, cwd=ROOT, check=True)
    data = json.loads(result.read_text())
    notes = step.after() if step.after is not None else []
    return Measured(step, data["seconds"], data["peak_kb"] / 1024, data["rc"], notes=notes)


def data_file(users: int, *, social_every: int = 0) -> Path:
    """A generated NDJSON export of `users` users (cached between runs)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"users-{users}{'-s' + str(social_every) if social_every else ''}.ndjson"
    if not path.exists():
        from bench.generate import write_ndjson

        tmp = path.with_suffix(".tmp")
        write_ndjson(tmp, users, social_every=social_every)
        tmp.rename(path)
    return path


def fresh_dir(path: Path) -> Callable[[], None]:
    def setup() -> None:
        shutil.rmtree(path, ignore_errors=True)

    return setup
