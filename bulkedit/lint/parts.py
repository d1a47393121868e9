"""Reading a large NDJSON file in two parts, one per core, with exact line numbers.

`parallel_cut` says where to cut (or None: read in one go), `range_records` reads
the records of a byte range with their line numbers in the whole file, `worker_pool`
is the forked worker for the second part, and `users_at` re-reads a few lines by
number (for the rare duplicate that spans the two parts). lint and emit use them.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from bulkedit.io import detect as fmt
from bulkedit.io.read import BLOCK, Record, Source

#: Below this size one process is quicker than starting a second.
PARALLEL_MIN_BYTES = 16 << 20


@dataclass(frozen=True)
class WorkerError:
    kind: type
    message: str
    where: str | None
    hint: str | None


def unwrap(value: Any) -> Any:
    """A worker's result, or its error raised again with location and hint intact."""
    if isinstance(value, WorkerError):
        raise value.kind(value.message, where=value.where, hint=value.hint)
    return value


def plain_ndjson(source: Source) -> bool:
    return source.format == fmt.NDJSON and not source.compressed


def worker_pool() -> ProcessPoolExecutor:
    """One worker process, forked: it shares this process's string hashes (compact merge relies on it)."""
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))


def parallel_cut(source: Source, share: float = 0.5) -> int | None:
    """Where to cut an uncompressed NDJSON file in two at a line start, or None to read it in one go.

    `share`: the part this process reads itself (less when it has more to do afterwards).
    """
    if source.format != fmt.NDJSON or source.compressed or (os.cpu_count() or 1) < 2:
        return None
    size = source.size
    if size < PARALLEL_MIN_BYTES:
        return None
    with open(source.path, "rb") as f:
        f.seek(int(size * share))
        f.readline()
        cut = f.tell()
    return cut if 0 < cut < size else None


def users_at(source: Source, start: int) -> Callable[[list[int]], dict[int, dict[str, Any]]]:
    """A function giving the users at given lines after byte `start`."""

    def find(lines: list[int]) -> dict[int, dict[str, Any]]:
        return {rec.pos: rec.user for rec in _lines_after(source, start, set(lines))}

    return find


def _lines_after(source: Source, start: int, wanted: set[int]) -> Iterator[Record]:
    lineno = 0
    with open(source.path, "rb") as f:
        while f.tell() < start:
            block = f.read(min(BLOCK, start - f.tell()))
            if not block:
                break
            lineno += block.count(b"\n")
        last = max(wanted)
        for line in f:
            lineno += 1
            if lineno in wanted:
                rec = source._ndjson_line(line.rstrip(b"\n"), lineno, False)
                if rec is not None:
                    yield rec
            if lineno >= last:
                break


def range_records(source: Source, start: int, end: int) -> Iterator[Record]:
    """The records of NDJSON bytes [start, end) (start at a line start), with their line numbers in the file."""
    return source.records_range(start, end)
