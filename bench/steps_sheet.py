"""Sheet targets (issue 6): 100k users written as an XLSX for editing, and applied back, each < 60 s, < 2 GB.

Writing the sheet is the foundation's "convert 100,000 -> XLSX" step (the same command
on the same file); this step applies that sheet back.
"""

from __future__ import annotations

import subprocess

from bench.harness import BULKEDIT, DATA, Step, data_file


def steps(users: int) -> list[Step]:
    n = min(users, 100_000)
    backup = data_file(n)
    sheet = DATA / f"users-{n}.xlsx"  # written by the foundation's convert step

    def ensure_sheet() -> None:
        if not sheet.exists():
            subprocess.run(BULKEDIT + ["convert", str(backup), "-o", str(sheet), "--force"], check=True, capture_output=True)

    return [
        Step(f"sheet: edit --sheet XLSX back ({n:,})",
             BULKEDIT + ["edit", str(backup), "--sheet", str(sheet), "-o", str(DATA / "from-sheet.ndjson"), "--force"],
             max_seconds=60, max_mb=2048, setup=ensure_sheet),
    ]
