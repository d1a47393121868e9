"""Run one command and report its wall time and peak memory (used by the harness).

A small process of its own spawns the command, so the command's peak resident
set is its own and not inherited from a large parent: `python -m bench.measure
RESULT.json -- ARGV...` writes {"seconds", "peak_kb", "rc"}.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main() -> int:
    result, sep, *argv = sys.argv[1:]
    assert sep == "--", "usage: python -m bench.measure RESULT.json -- ARGV..."
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    with open(result, "w") as f:
        json.dump({"seconds": seconds, "peak_kb": usage.ru_maxrss, "rc": os.waitstatus_to_exitcode(status)}, f)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
