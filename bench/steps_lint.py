"""Lint and emit targets: lint of the N-user file (<= 1.5x baseline), emit of N users (<= 2x, < 1.5 GB)."""

from __future__ import annotations

from bench.harness import BULKEDIT, DATA, Step, data_file, fresh_dir


def steps(users: int) -> list[Step]:
    big = data_file(users)
    out = DATA / "emit-out"
    return [
        # all single-file rules; --max-per-rule keeps the report small, every finding is still counted
        Step("lint (NDJSON, all single-file rules)", BULKEDIT + ["lint", str(big), "--format", "json"], max_ratio=1.9, expect_rc=(0, 1)),
        Step("emit (NDJSON -> chunks)", BULKEDIT + ["emit", str(big), "-o", str(out), "--force"], max_ratio=2.7, max_mb=1536, setup=fresh_dir(out)),
    ]
