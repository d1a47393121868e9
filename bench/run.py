"""`make bench`: every target of every issue, measured next to the baseline in the same run.

Each step runs in a fresh process; the table gives wall time, peak memory
(largest resident set of the process tree's biggest process), the ratio to the
baseline loop on the same file, and whether the target holds.
"""

from __future__ import annotations

import argparse
import sys

from bench import (
    steps_diff,
    steps_edit,
    steps_errors,
    steps_foundation,
    steps_lint,
    steps_push,
    steps_sheet,
    steps_startup,
)
from bench.harness import DATA, Measured, Step, data_file, run_step

# Each area adds its module here: a `steps(users) -> list[Step]` function.
STEP_MODULES = [steps_startup, steps_foundation, steps_errors, steps_diff, steps_lint, steps_sheet, steps_edit, steps_push]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--only", default="", help="run only steps whose name contains this text")
    args = ap.parse_args(argv)
    DATA.mkdir(parents=True, exist_ok=True)
    log = DATA / "bench.log"
    log.write_text("")
    print(f"preparing data: {args.users:,} users ...", file=sys.stderr, flush=True)
    big = data_file(args.users)
    size_mb = big.stat().st_size / 1e6
    # The baseline is run three times and the median kept: one slow run of it would
    # flatter every ratio, one fast run would condemn them all.
    runs = sorted(
        (run_step(Step("baseline: orjson loads+dumps per line", [sys.executable, "-m", "bench.baseline", str(big)]), log=log) for _ in range(3)),
        key=lambda m: m.seconds,
    )
    base = runs[1]
    print(f"baseline runs: {', '.join(f'{m.seconds:.2f} s' for m in runs)} (median used)", flush=True)
    steps: list[Step] = []
    for mod in STEP_MODULES:
        steps.extend(mod.steps(args.users))
    if args.only:
        steps = [s for s in steps if args.only.lower() in s.name.lower()]
    results: list[Measured] = [base]
    print(f"{'step':<52} {'wall s':>8} {'peak MB':>8} {'x base':>7}  target", flush=True)
    _print(base)
    for step in steps:
        m = run_step(step, log=log)
        m.ratio = m.seconds / base.seconds if base.seconds else None
        results.append(m)
        _print(m)
    failed = [m for m in results[1:] if not m.ok]
    print(f"\ninput: {big} ({size_mb:,.0f} MB, {args.users:,} users); stderr of every step in {log}")
    if failed:
        print(f"{len(failed)} target(s) missed: " + "; ".join(m.step.name for m in failed))
    return 0


def _print(m: Measured) -> None:
    s = m.step
    target = []
    if s.max_ratio is not None:
        target.append(f"<= {s.max_ratio}x base")
    if s.max_seconds is not None:
        target.append(f"<= {s.max_seconds:g} s")
    if s.max_mb is not None:
        target.append(f"<= {s.max_mb:,.0f} MB")
    ratio = f"{m.ratio:.2f}" if m.ratio is not None else "1.00"
    verdict = "" if not target else ("ok" if m.ok else "MISSED")
    rc = "" if m.rc in s.expect_rc else f" (exit {m.rc}!)"
    print(f"{s.name:<52} {m.seconds:>8.2f} {m.peak_mb:>8.0f} {ratio:>7}  {', '.join(target)} {verdict}{rc}", flush=True)
    for note in m.notes:
        print(f"    {note}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
