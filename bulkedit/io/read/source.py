"""`Source`: one input file read in its format, `open_source` to detect it, and progress while reading."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from bulkedit.io import detect as fmt
from bulkedit.io.read.base import Record
from bulkedit.io.read.csvfile import CsvReader
from bulkedit.io.read.jsonarray import JsonArrayReader
from bulkedit.io.read.ndjson import NdjsonReader
from bulkedit.io.read.workbook import XlsxReader


class Source(NdjsonReader, JsonArrayReader, CsvReader, XlsxReader):
    """One input file, with what detection found. Iterate `records()` as often as needed."""

    def records(self) -> Iterator[Record]:
        self.bytes_read = 0
        self._blanks = 0
        if self.format == fmt.NDJSON:
            return self._ndjson()
        if self.format == fmt.JSON:
            return self._json_array()
        if self.format == fmt.CSV:
            return self._csv()
        return self._xlsx()

    def users(self) -> Iterator[dict[str, Any]]:
        for rec in self.records():
            yield rec.user


#: How often (in records) a progress bar is told how far a file is read.
PROGRESS_EVERY = 8192


def reporting(
    records: Iterable[Record], source: Source, progress: Callable[[int], None] | None, done_before: int = 0
) -> Iterator[Record]:
    """`records`, telling `progress` every PROGRESS_EVERY records how many bytes of `source`
    are read (plus `done_before`); `records` as they are when there is no progress bar."""
    if progress is None:
        return iter(records)
    return _reporting(records, source, progress, done_before)


def _reporting(records: Iterable[Record], source: Source, progress: Callable[[int], None], done_before: int) -> Iterator[Record]:
    for n, rec in enumerate(records, 1):
        if n % PROGRESS_EVERY == 0:
            progress(done_before + source.bytes_read)
        yield rec
    progress(done_before + source.size)  # the file read to its end: the bar shows all of it


def open_source(path: Path | str, *, column_map: dict[str, str] | None = None) -> Source:
    """Detect the format of `path` from its content and return a Source to read it."""
    path = Path(path)
    found = fmt.detect(path)
    return Source(path=path, format=found.format, compressed=found.compressed, bom=found.bom, column_map=column_map)


def read_users(path: Path | str, **kw: Any) -> list[dict[str, Any]]:
    """All users of a file, in order (convenience for small files and tests)."""
    return list(open_source(path, **kw).users())
