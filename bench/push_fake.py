"""The fake Auth0 of tests/push as a process of its own, for the push steps of the bench.

`python -m bench.push_fake STATE.json --job-seconds S` starts it, writes STATE.json (mode
0600: the fake's CA file, domain and client credentials, as AUTH0_* variables) and serves
until STATE.json.stop appears; then it writes STATE.json.stats (imports, each chunk's count,
the most jobs in flight, the share of the run both slots were busy, rule violations) and ends.
It runs apart from the measured push, so the fake's memory and CPU are not counted as
bulkedit's. Its rate limit is set far above Auth0's: the step measures bulkedit's own time.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

#: the longest a fake waits for its stop file (a bench run that died leaves none)
LIFETIME = 3600.0


def _write_private(path: Path, doc: object) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f)
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    from tests.push.fake_auth0 import FakeAuth0

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("state", type=Path)
    ap.add_argument("--job-seconds", type=float, default=0.0)
    args = ap.parse_args(argv)
    work = args.state.with_suffix(".d")
    work.mkdir(parents=True, exist_ok=True)
    fake = FakeAuth0(work, job_seconds=args.job_seconds, light=True)
    fake.rate_burst, fake.rate_per_second, fake.rate_tokens = 100_000, 100_000.0, 100_000.0
    fake.start()
    stop = Path(f"{args.state}.stop")
    stop.unlink(missing_ok=True)
    _write_private(args.state, {"env": fake.env(), "pid": os.getpid()})
    began = time.monotonic()
    while not stop.exists() and time.monotonic() - began < LIFETIME:
        time.sleep(0.1)
    by_sha: dict[str, int] = {}
    for job in fake.imports:
        by_sha[job.sha256] = by_sha.get(job.sha256, 0) + 1
    stats = {
        "imports": len(fake.imports),
        "chunks": len(by_sha),
        "imported_twice": sum(1 for n in by_sha.values() if n > 1),
        "users": sum(j.summary.get("total", 0) for j in fake.imports),
        "max_in_flight": fake.max_in_flight(),
        "occupancy": fake.occupancy() if args.job_seconds > 0 else None,
        "requests": len(fake.requests),
        "violations": fake.violations[:5],
    }
    fake.stop()
    _write_private(Path(f"{args.state}.stats"), stats)
    stop.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
