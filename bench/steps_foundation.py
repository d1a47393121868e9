"""Foundation targets: convert and inspect at 1M users, XLSX both ways at 100k."""

from __future__ import annotations

from bench.harness import BULKEDIT, DATA, Step, data_file


def steps(users: int) -> list[Step]:
    big = data_file(users)
    small_n = min(users, 100_000)
    small = data_file(small_n)
    xlsx = DATA / f"users-{small_n}.xlsx"
    return [
        Step("inspect (NDJSON)", BULKEDIT + ["inspect", str(big), "--format", "json"], max_ratio=1.8, max_mb=1024),
        Step("convert NDJSON -> JSON array", BULKEDIT + ["convert", str(big), "-o", str(DATA / "out.json"), "--force"], max_ratio=1.5, max_mb=1024),
        Step(f"convert {small_n:,} -> XLSX", BULKEDIT + ["convert", str(small), "-o", str(xlsx), "--force"], max_seconds=60, max_mb=2048),
        Step(f"convert XLSX -> NDJSON ({small_n:,})", BULKEDIT + ["convert", str(xlsx), "-o", str(DATA / "from-xlsx.ndjson"), "--force"], max_seconds=60, max_mb=2048),
    ]
