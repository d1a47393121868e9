"""Reading a large NDJSON file in two parts, one per core, for lint and emit.

`parallel_cut` says where to cut (or None: read in one go); the parts are then read
with `bulkedit.io.parallel.run_ranges` (this process takes the first, a forked worker
the second), and `users_at` re-reads a few lines by number (for the rare duplicate
that spans the two parts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from bulkedit.io.parallel import byte_ranges
from bulkedit.io.read import Record, Source
from bulkedit.io.read.stream import line_number_at

#: Below this size one process is quicker than starting a second.
PARALLEL_MIN_BYTES = 16 << 20


def parallel_cut(source: Source, share: float = 0.5) -> int | None:
    """Where to cut an uncompressed NDJSON file in two at a line start, or None to read it in one go.

    `share`: the part this process reads itself (less when it has more to do afterwards).
    """
    ranges = byte_ranges(source, parts=2, min_bytes=PARALLEL_MIN_BYTES, first_share=share)
    return ranges[0][1] if ranges is not None else None


def users_at(source: Source, start: int) -> Callable[[list[int]], dict[int, dict[str, Any]]]:
    """A function giving the users at given lines after byte `start`."""

    def find(lines: list[int]) -> dict[int, dict[str, Any]]:
        return {rec.pos: rec.user for rec in _lines_after(source, start, set(lines))}

    return find


def _lines_after(source: Source, start: int, wanted: set[int]) -> Iterator[Record]:
    lineno = line_number_at(source.path, start)
    last = max(wanted)
    with open(source.path, "rb") as f:
        f.seek(start)
        for line in f:
            lineno += 1
            if lineno in wanted:
                rec = source._ndjson_line(line.rstrip(b"\n"), lineno)
                if rec is not None:
                    yield rec
            if lineno >= last:
                break
