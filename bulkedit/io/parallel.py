"""Reading a large plain NDJSON file on both cores: cut it at line starts, one part per process.

`byte_ranges(source)` says where to cut (None: read it in one go: compressed, small,
not NDJSON, or one core). `run_ranges(fn, ranges)` runs `fn(start, end)` for the
first range in this process and for the others in forked workers, which inherit
everything (the source, a compiled plan, ...) without pickling it; results come
back in file order, and an error raised in a worker (an InputError naming its
exact line, say) is raised here again as it was.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from bulkedit.io import detect as fmt
from bulkedit.io.read import Source
from bulkedit.io.read.stream import split_points

T = TypeVar("T")

#: Below this size starting a second process costs more than it saves.
PARALLEL_MIN_BYTES = 32 << 20

_TASK: dict[str, Any] = {}


def byte_ranges(
    source: Source, *, parts: int | None = None, min_bytes: int | None = None, first_share: float | None = None
) -> list[tuple[int, int]] | None:
    """Line-aligned byte ranges of a plain NDJSON file, one per process, or None for one sequential pass.

    `first_share` sizes the first range (this process's in `run_ranges`): smaller when
    it has more to do once the parts are read.
    """
    if source.format != fmt.NDJSON or source.compressed:
        return None
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    n = parts if parts is not None else min(2, os.cpu_count() or 1)
    if n <= 1 or source.size < (PARALLEL_MIN_BYTES if min_bytes is None else min_bytes):
        return None
    cuts = split_points(source.path, n, first_share=first_share)
    ranges = [(cuts[i], cuts[i + 1]) for i in range(n) if cuts[i] < cuts[i + 1]]
    return ranges if len(ranges) > 1 else None


def run_ranges(fn: Callable[[int, int], T], ranges: list[tuple[int, int]]) -> list[T]:
    """`[fn(start, end) for each range]`, the first here and the rest in forked workers, in order."""
    _TASK["fn"] = fn
    try:
        with ProcessPoolExecutor(max_workers=len(ranges) - 1, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(_run, start, end) for start, end in ranges[1:]]
            first = fn(*ranges[0])
            return [first] + [f.result() for f in futures]
    finally:
        _TASK.clear()


def _run(start: int, end: int) -> Any:
    return _TASK["fn"](start, end)
