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

import orjson

from bulkedit import fields
from bulkedit.io import detect as fmt
from bulkedit.io.read import BLOCK, Record, Source

_DIGITS_ONLY = bytes(48 if 48 <= i <= 57 else 32 for i in range(256))
_LONG_RUN = b"0" * 19

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
    """The records of NDJSON bytes [start, end) (start at a line start), with their line numbers in the file.

    The same records as `source.records()` gives for those lines, a little quicker.
    """
    loads = orjson.loads
    known = fields.KNOWN_FIELDS.issuperset
    plain = not source.column_map
    ndjson_line = source._ndjson_line
    lineno = 0
    with open(source.path, "rb") as f:
        todo = start
        while todo > 0:  # line numbers: count the lines before this part
            block = f.read(min(BLOCK, todo))
            if not block:
                break
            lineno += block.count(b"\n")
            todo -= len(block)
        f.seek(start)
        remaining = end - start
        rest = b""
        first = start == 0
        while True:
            block = f.read(min(BLOCK, remaining)) if remaining > 0 else b""
            remaining -= len(block)
            if first:
                first = False
                if block.startswith(fmt.BOM):
                    block = block[3:]
            if not block:
                break
            if rest:
                block = rest + block
            cut = block.rfind(b"\n")
            if cut < 0:
                rest = block
                continue
            rest = block[cut + 1 :]
            body = block[: cut + 1]
            # where the block has runs of 19+ digits (integers orjson may not keep exactly):
            # only the lines holding one need the exact, slower parse
            digits = body.translate(_DIGITS_ONLY)
            runs = []
            i = digits.find(_LONG_RUN)
            while i >= 0:
                runs.append(i)
                i = digits.find(_LONG_RUN, digits.find(b" ", i))
            runs.append(len(body) + 1)
            k = 0
            off = 0
            for line in body.split(b"\n")[:-1]:
                lineno += 1
                end_off = off + len(line)
                checked = runs[k] > end_off
                while runs[k] <= end_off:
                    k += 1
                off = end_off + 1
                # the usual line, read here; anything unusual (CR, blank, big integers, renamed
                # keys, not an object, malformed) goes through the reader's own line handling
                if checked and line[-1:] == b"}":
                    try:
                        user = loads(line)
                    except orjson.JSONDecodeError:
                        user = None
                    if user.__class__ is dict and known(user) and plain:
                        yield Record(lineno, user, line)
                        continue
                rec = ndjson_line(line, lineno, checked)
                if rec is not None:
                    yield rec
        if rest:
            rec = source._ndjson_line(rest, lineno + 1, False)
            if rec is not None:
                yield rec
