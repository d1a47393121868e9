"""Bytes of an input file: counted and decompressed streams, UTF-8 blocks, NDJSON lines, byte offsets."""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Protocol

from bulkedit import fields
from bulkedit.errors import InputError
from bulkedit.io import detect as fmt
from bulkedit.io import limits


class Source(Protocol):
    """What the byte streams here need of a source (`base.SourceBase` is one): they sit a
    floor below it, so they name its few members instead of importing it."""

    path: Path
    bytes_read: int

    def where(self, pos: int | None) -> str: ...

    def open_binary(self) -> IO[bytes]: ...


BLOCK = 1 << 20
#: The longest NDJSON line read: one user at most (limits.MAX_USER_BYTES).
MAX_LINE = limits.MAX_USER_BYTES


class Counting(io.RawIOBase):
    """Wraps a binary file and counts the bytes read into the Source (for progress)."""

    def __init__(self, raw: IO[bytes], source: Source) -> None:
        self._raw = raw
        self._source = source

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self._source.bytes_read += len(data)
        return data

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._raw.seek(offset, whence)

    def close(self) -> None:
        self._raw.close()
        super().close()


class CountingGzip(Counting):
    """Decompresses, counting the compressed bytes consumed; names truncation clearly."""

    def __init__(self, raw: IO[bytes], source: Source) -> None:
        super().__init__(raw, source)
        self._gz = gzip.GzipFile(fileobj=raw, mode="rb")
        self._out = 0  # bytes decompressed (limits.MAX_RATIO)

    def read(self, n: int = -1) -> bytes:
        try:
            data = self._gz.read(n)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(
                f"the gzip stream is damaged or truncated ({exc})",
                where=str(self._source.path),
                hint="download the export again",
            ) from None
        self._source.bytes_read = self._raw.tell()
        self._out += len(data)
        limits.check_ratio(self._out, self._source.bytes_read, str(self._source.path))
        return data

    def close(self) -> None:
        self._gz.close()
        super().close()


class TextBlocks:
    """Decodes UTF-8 blocks incrementally, naming the line of invalid UTF-8."""

    def __init__(self, f: IO[bytes], source: Source) -> None:
        self._f = f
        self._source = source
        self._dec = codecs.getincrementaldecoder("utf-8")()
        self.eof = False

    def read(self) -> str:
        if self.eof:
            return ""
        data = self._f.read(BLOCK)
        final = not data
        try:
            text = self._dec.decode(data, final=final)
        except UnicodeDecodeError:
            line = invalid_utf8_line(self._source)
            raise InputError(
                f"invalid UTF-8 on line {line}" if line else "invalid UTF-8",
                where=self._source.where(line),
                hint="re-export the file, or convert it to UTF-8 (for example with iconv)",
            ) from None
        self.eof = final
        return text


def invalid_utf8_line(source: Source) -> int | None:
    """The line of the first byte of `source` that is not UTF-8 (None when all of it is)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with source.open_binary() as f:
        while True:
            data = f.read(BLOCK)
            try:
                decoder.decode(data, final=not data)
            except UnicodeDecodeError as exc:
                # exc.start counts from the bytes the decoder still held (at most 3, never a line end)
                return line + data.count(b"\n", 0, max(exc.start, 0))
            if not data:
                return None
            line += data.count(b"\n")


def skip_bytes(f: IO[bytes], n: int) -> None:
    """Move `f` `n` bytes on (a gzip stream by reading them)."""
    while n > 0:
        data = f.read(min(BLOCK, n))
        if not data:
            return
        n -= len(data)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(BLOCK), b""):
            h.update(chunk)
    return h.hexdigest()


class LineTooLong(ValueError):
    """A line longer than the reader's `max_line` (no line end within it)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"no line end within {limit:,} bytes of this line's start: longer than any Auth0 user"
            f" (an import file holds at most {fields.IMPORT_FILE_LIMIT:,} bytes)"
        )
        self.limit = limit


class BinaryReader(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


def ndjson_lines(
    f: BinaryReader, remaining: int | None = None, *, strip_bom: bool = True, max_line: int | None = None
) -> Iterator[list[bytes]]:
    """The lines of an NDJSON byte stream, without their `\\n`, about 1 MiB of them at a time.

    Blank lines are included, so line numbers can be counted across the lists; a last
    line without a line end is included, an empty one after the final `\\n` is not.
    Reads at most `remaining` bytes (None: to the end). A UTF-8 BOM at the start is
    dropped. Each block is split as read (the line cut at its end waits for the next
    block): no megabyte-sized copy is made, which costs more than the split itself.
    A line over `max_line` bytes (default MAX_LINE) raises LineTooLong once that many
    are read (a file with no line ends is not held whole).
    """
    limit = MAX_LINE if max_line is None else max_line
    pending: list[bytes] = []  # the pieces of a line cut at a block's end
    pending_size = 0
    first = strip_bom
    while True:
        size = BLOCK if remaining is None else min(BLOCK, remaining)
        block = f.read(size) if size > 0 else b""
        if remaining is not None:
            remaining -= len(block)
        if first:
            first = False
            if block.startswith(fmt.BOM):
                block = block[3:]
        if not block:
            break
        lines = block.split(b"\n")
        if len(lines) == 1:  # no line end in this block
            pending.append(block)
            pending_size += len(block)
            if pending_size > limit:
                raise LineTooLong(limit)
            continue
        if pending:
            pending.append(lines[0])
            lines[0] = b"".join(pending)
        last = lines.pop()
        pending = [last] if last else []
        pending_size = len(last)
        yield lines
    if pending:
        yield [b"".join(pending)]


def line_number_at(path: Path, offset: int) -> int:
    """How many lines end before byte `offset` of an uncompressed file."""
    count = 0
    with open(path, "rb") as f:
        remaining = offset
        while remaining > 0:
            block = f.read(min(BLOCK * 8, remaining))
            if not block:
                break
            remaining -= len(block)
            count += block.count(b"\n")
    return count


def line_start_near(path: Path, share: float) -> int:
    """The first line start at or after `share` (0..1) of the file."""
    with open(path, "rb") as f:
        f.seek(int(path.stat().st_size * share))
        f.readline()
        return f.tell()


def split_points(path: Path, parts: int, *, first_share: float | None = None) -> list[int]:
    """Byte offsets that cut a file into `parts` ranges at line starts (for NDJSON read by several processes).

    `first_share`: make the first range that share of the file (the rest split evenly).
    """
    first = 1 / parts if first_share is None else first_share
    shares = [first + (1 - first) * i / (parts - 1) for i in range(parts - 1)] if parts > 1 else []
    cuts = [0]
    for share in shares:
        cuts.append(max(line_start_near(path, share), cuts[-1]))
    cuts.append(path.stat().st_size)
    return cuts
