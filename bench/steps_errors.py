"""`errors` target: 1% of N users failed; map them to chunks and source and build retry chunks.

Setup (not measured): `bulkedit emit` of the N-user file, then Auth0-shaped answers
(one file per 1,000 failed users, as jobs answer) naming every 100th chunk user with
a mix of codes. The measured command reads all answers, the whole emit folder and
the whole source once each, and writes the retry folder.
"""

from __future__ import annotations

import json
import subprocess

from bench.harness import BULKEDIT, DATA, ROOT, Step, data_file

CODES = [
    ("CONFLICT", "The user already exists.", ""),
    ("CONNECTION_NOT_FOUND", "The connection does not exist", ""),
    ("MAX_LENGTH", "String is too long", "nickname"),
    ("DUPLICATED_USER", "A user with this email was already provided.", ""),
    ("PATTERN", "String does not match pattern", "phone_number"),
]


def _prepare(users: int) -> None:
    from bulkedit.io import jsonio

    big = data_file(users)
    base = DATA / f"errors-{users}"
    chunks = base / "chunks"
    if not (chunks / "manifest.json").exists():
        base.mkdir(parents=True, exist_ok=True)
        subprocess.run([*BULKEDIT, "emit", str(big), "-o", str(chunks), "--force"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    answers = base / "answers"
    if answers.exists():
        return
    tmp = base / "answers.tmp"
    tmp.mkdir(exist_ok=True)
    manifest = json.loads((chunks / "manifest.json").read_text())
    batch: list[dict] = []
    n_files = 0
    i = 0

    def flush() -> None:
        nonlocal batch, n_files
        if batch:
            n_files += 1
            (tmp / f"job-{n_files:04d}.json").write_bytes(jsonio.dumps(batch))
            batch = []

    for entry in manifest["chunks"]:
        for user in jsonio.loads((chunks / entry["file"]).read_bytes()):
            i += 1
            if i % 100:
                continue
            code, message, path = CODES[(i // 100) % len(CODES)]
            batch.append({"user": user, "errors": [{"code": code, "message": message, "path": path}]})
            if len(batch) == 1000:
                flush()
    flush()
    tmp.rename(answers)


def steps(users: int) -> list[Step]:
    big = data_file(users)
    base = DATA / f"errors-{users}"
    answers = base / "answers"

    return [
        Step(
            "errors (1% failed: map to chunks + source, retry chunks)",
            [*BULKEDIT, "errors", str(answers), "--chunks", str(base / "chunks"), "--source", str(big),
             "-o", str(base / "retry"), "--force", "--format", "json"],
            max_ratio=3.0,
            max_mb=1536,
            setup=lambda: _prepare(users),
        )
    ]
