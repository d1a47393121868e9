"""`push` (issue 13): chunks into the fake Auth0 of tests/push, run as a process of its own.

- 2,000 chunks (about 1,000,000 users: the N-user export emitted with --max-bytes 345000)
  with instant jobs: what bulkedit itself costs (checking the folder against its manifest,
  linting it, starting, polling and journaling 2,000 jobs). Target: < 60 s, < 300 MB.
- 20 chunks with jobs of 2 s each: the share of the run both of Auth0's job slots were
  busy (target >= 95%: a job is started as soon as one ends).

The fake's figures (each chunk imported once, the most jobs in flight, occupancy) are printed
under the step. Setup (not measured): the export is emitted once and cached in bench/data.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.harness import BULKEDIT, DATA, ROOT, Step, data_file

#: gives about 2,000 chunks for 1,000,000 bench users (emit's default, 500,000, gives 1,381)
MAX_BYTES = 345_000


def _emitted(users: int) -> Path:
    chunks = DATA / f"push-{users}" / "chunks"
    if not (chunks / "manifest.json").exists():
        chunks.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([*BULKEDIT, "emit", str(data_file(users)), "-o", str(chunks), "--force", "--max-bytes", str(MAX_BYTES)],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return chunks


def _small(users: int) -> Path:
    """20 chunks of the emitted folder, with a manifest of their own."""
    big = _emitted(users)
    folder = DATA / f"push-{users}" / "twenty"
    if not (folder / "manifest.json").exists():
        shutil.rmtree(folder, ignore_errors=True)
        manifest = json.loads((big / "manifest.json").read_text())
        manifest["chunks"] = manifest["chunks"][:20]
        manifest["rollback"] = []
        for c in manifest["chunks"]:
            (folder / c["file"]).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(big / c["file"], folder / c["file"])
        (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def _start_fake(state: Path, folder: Callable[[], Path], job_seconds: float) -> Callable[[], None]:
    def setup() -> None:
        chunks = folder()
        shutil.rmtree(chunks / "push", ignore_errors=True)  # every run starts a new push
        for f in (state, Path(f"{state}.stats")):
            f.unlink(missing_ok=True)
        subprocess.Popen([sys.executable, "-m", "bench.push_fake", str(state), "--job-seconds", str(job_seconds)], cwd=ROOT,
                         stdout=subprocess.DEVNULL, start_new_session=True)
        for _ in range(600):
            if state.exists():
                return
            time.sleep(0.1)
        raise RuntimeError("the bench's fake Auth0 did not start")

    return setup


def _stop_fake(state: Path) -> Callable[[], list[str]]:
    def after() -> list[str]:
        Path(f"{state}.stop").touch()
        stats_file = Path(f"{state}.stats")
        for _ in range(1200):
            if stats_file.exists():
                break
            time.sleep(0.1)
        else:
            return ["the fake Auth0 gave no figures"]
        s = json.loads(stats_file.read_text())
        line = (f"fake Auth0: {s['imports']:,} import jobs for {s['chunks']:,} chunks ({s['imported_twice']} imported twice), "
                f"{s['users']:,} users, {s['requests']:,} requests, at most {s['max_in_flight']} jobs in flight")
        notes = [line]
        if s["occupancy"] is not None:
            notes.append(f"both job slots busy {s['occupancy']:.1%} of the run (target >= 95%)")
        if s["violations"]:
            notes.append(f"RULES BROKEN: {s['violations']}")
        return notes

    return after


def steps(users: int) -> list[Step]:
    big_state = DATA / "push-fake-instant.json"
    small_state = DATA / "push-fake-2s.json"
    env_big = [sys.executable, "-m", "bench.push_env", str(big_state), "--"]
    env_small = [sys.executable, "-m", "bench.push_env", str(small_state), "--"]
    chunks = DATA / f"push-{users}" / "chunks"
    twenty = DATA / f"push-{users}" / "twenty"
    return [
        Step(
            "push: emitted export into a fake Auth0, instant jobs",
            env_big + BULKEDIT + ["push", str(chunks), "--yes", "--format", "json"],
            max_seconds=60,
            max_mb=300,
            setup=_start_fake(big_state, lambda: _emitted(users), 0.0),
            after=_stop_fake(big_state),
        ),
        Step(
            "push: 20 chunks, jobs of 2 s (slot occupancy)",
            env_small + BULKEDIT + ["push", str(twenty), "--yes", "--format", "json"],
            setup=_start_fake(small_state, lambda: _small(users), 2.0),
            after=_stop_fake(small_state),
        ),
    ]
