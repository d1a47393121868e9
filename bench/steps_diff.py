"""diff target: 1M vs 1M users with 1% changed, under 2x the baseline and 3 GB."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import orjson

from bench.harness import BULKEDIT, DATA, Step, data_file

LANGS = ["de", "en", "fr", "es", "ja", "pt-BR"]


def changed_copy(src: Path, every: int = 100) -> Path:
    """A copy of `src` in which every `every`-th user changed (metadata edits); cached next to it."""
    dst = DATA / f"{src.stem}-diff{every}.ndjson"
    if dst.exists() and dst.stat().st_mtime >= src.stat().st_mtime:
        return dst  # cached; made again when the source data file is newer
    tmp = dst.with_suffix(".tmp")
    with open(src, "rb") as f, open(tmp, "wb") as out:
        for n, line in enumerate(f):
            if n % every == every // 2:
                user = orjson.loads(line)
                meta = user.setdefault("user_metadata", {})
                prefs = meta.setdefault("prefs", {})
                prefs["lang"] = LANGS[(LANGS.index(prefs["lang"]) + 1) % len(LANGS)] if prefs.get("lang") in LANGS else "de"
                meta["tier"] = "gold"
                if n % (every * 3) == every // 2:
                    user["app_metadata"].pop("plan", None)
                line = orjson.dumps(user) + b"\n"
            out.write(line)
    tmp.rename(dst)
    return dst


def _setup(src: Path) -> Callable[[], None]:
    def setup() -> None:
        changed_copy(src)

    return setup


def _emit_setup(src: Path, out: Path) -> Callable[[], None]:
    def setup() -> None:
        edited = changed_copy(src)
        manifest = out / "manifest.json"
        if manifest.exists() and manifest.stat().st_mtime >= edited.stat().st_mtime:
            return
        subprocess.run([*BULKEDIT, "emit", str(edited), "-o", str(out), "--force"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    return setup


def steps(users: int) -> list[Step]:
    big = data_file(users)
    edited = DATA / f"{big.stem}-diff100.ndjson"
    small = data_file(min(users, 100_000))
    chunks = DATA / f"{small.stem}-diff100-chunks"
    return [
        Step(
            "diff 1% changed (json report)",
            BULKEDIT + ["diff", str(big), str(edited), "--format", "json", "-o", str(DATA / "diff.json"), "--force"],
            max_ratio=2.0,
            max_mb=3072,
            setup=_setup(big),
        ),
        # an emit folder: JSON-array chunks, every user parsed and compared on import fields (no target in the issue)
        Step(
            f"diff vs emit folder ({min(users, 100_000):,}, 1% changed)",
            BULKEDIT + ["diff", str(small), str(chunks), "--format", "json", "-o", str(DATA / "diff-chunks.json"), "--force"],
            max_mb=3072,
            setup=_emit_setup(small, chunks),
        ),
    ]
