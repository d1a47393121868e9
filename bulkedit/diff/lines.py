"""The NDJSON lines of `diff`'s fast pass: read unparsed with their places, the backup's held or
read again by offset, and checked to be lines every reader accepts (in a forked process for a large file)."""

from __future__ import annotations

import mmap
import multiprocessing
import os
import zlib
from collections.abc import Iterator
from typing import Any

from bulkedit.diff.model import ProgressFn
from bulkedit.errors import InputError
from bulkedit.io import detect as fmt
from bulkedit.io import jsonio
from bulkedit.io.parallel import PARALLEL_MIN_BYTES
from bulkedit.io.read import LineTooLong, Source, ndjson_lines

DROP_EVERY = 64 << 20
LINE_BITS = 40  # packed place of a backup line: (line number << 80) | (where << 40) | length


class MappedLines:
    """An uncompressed backup's lines, read again from the file by offset."""

    def __init__(self, mm: Any, fd: int) -> None:
        self.mm, self.fd = mm, fd
        self.released = 0  # the mapping's pages below this offset were let go (they stay in the page cache)

    def remember(self, offset: int, line: bytes) -> int:
        return offset

    def at(self, where: int, length: int) -> bytes:
        return self.mm[where : where + length]

    def release_before(self, offset: int) -> None:
        # candidates mostly follow the backup's order: the pages behind are done with
        cut = (offset - DROP_EVERY // 2) & ~(mmap.PAGESIZE - 1)
        if cut > self.released:
            self.mm.madvise(mmap.MADV_DONTNEED, self.released, cut - self.released)
            self.released = cut

    def read(self, where: int, length: int) -> bytes:
        # pread, not the mapping: touching scattered lines through it would map their
        # neighbours too (fault-around), hundreds of MB
        return os.pread(self.fd, length, where)


class HeldLines:
    """A compressed backup's lines, held in memory (it cannot be read again at an offset)."""

    released = float("inf")  # nothing to release

    def __init__(self) -> None:
        self.lines: list[bytes] = []

    def remember(self, offset: int, line: bytes) -> int:
        self.lines.append(line)
        return len(self.lines) - 1

    def at(self, where: int, length: int) -> bytes:
        return self.lines[where]

    read = at

    def release_before(self, offset: int) -> None:
        pass


def line_is_ok(line: bytes) -> bool:
    """Whether the NDJSON reader would accept the line as it is (else `refuse_line` says why).

    A line identical in both files is never matched by key, yet it must be as valid as any
    other: JSON, UTF-8, an object, and no key twice in one object (msgspec keeps the last
    of two without a word). The check is the reader's own hot-loop check (msgspec, and
    compact JSON encoding back to the same bytes proves no key was dropped; jsonio.check_parsed
    for the rest), so diff refuses exactly what every other command refuses (issue 16).
    A syntax-only skim could not see a repeated key: no byte-level test can tell a key
    repeated in one object from one repeated in two (every export line has `user_id` at the
    top and in `identities`), so the line is parsed.
    """
    try:
        user = _decode(line)
    except _DECODE_ERRORS:
        return False
    if user.__class__ is not dict:
        return False
    if line.count(b"{") + line.count(b"[") > jsonio.MAX_DEPTH or _encode_into(user, _AGAIN) or line != _AGAIN:
        try:
            jsonio.check_parsed(line, user)
        except jsonio.JSONError:
            return False
    return True


_decode, _DECODE_ERRORS = jsonio.decode, jsonio.DECODE_ERRORS
#: the reader's way: re-encode into one reused buffer (encode_into returns None), no bytes a line
_encode_into, _AGAIN = jsonio.ENCODER.encode_into, bytearray()


def refuse_line(src: Source, line: bytes, lineno: int) -> None:
    src.record_of_line(line, lineno)  # raises InputError, naming the file, the line and what is wrong


#: The part of a large plain candidate (by bytes) whose lines the forked check takes; this
#: process checks the rest as it matches them. The check (a parse, as every reader does)
#: costs more than matching a line, so both cores share it.
CHECK_SHARE = 0.6


class LineCheck:
    """The lines of a large candidate checked in a forked process, on the other core, while this one matches lines.

    The check costs about as much CPU as a reader's parse (3-4 s for a million 1 KB
    users), which inline would add to the wall time. The worker takes the lines before
    `until` (CHECK_SHARE of a plain file, a compressed one whole); this process checks the
    others as it matches them. `start` gives None for a small file or on one core: the
    lines are then all checked inline, as they are matched.
    """

    def __init__(self, src: Source) -> None:
        ctx = multiprocessing.get_context("fork")
        self._src = src
        self.until = None if src.compressed else int(src.size * CHECK_SHARE)
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_check_lines, args=(src, send, self.until), daemon=True)
        self._proc.start()
        send.close()

    @staticmethod
    def start(src: Source) -> LineCheck | None:
        if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods() or src.size < PARALLEL_MIN_BYTES:
            return None
        return LineCheck(src)

    def first_bad(self) -> tuple[int, bytes] | None:
        """(line number, bytes) of the first line a reader would refuse, or None; waits for the check to end."""
        try:
            bad: tuple[int, bytes] | None = self._recv.recv()
        except EOFError:  # the worker died: check here instead
            bad = _first_bad_line(self._src, self.until)
        return bad

    def stop(self) -> None:
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join()
        self._recv.close()


def _first_bad_line(src: Source, until: int | None = None) -> tuple[int, bytes] | None:
    for lineno, line, offset in numbered_ndjson_lines(src):
        if until is not None and offset >= until:
            break
        if not line_is_ok(line):
            return lineno, line
    return None


def _check_lines(src: Source, send: Any, until: int | None) -> None:
    try:
        bad = _first_bad_line(src, until)
    except Exception:  # an unreadable file: the main process reads it too and says why
        bad = None
    send.send(bad)
    send.close()


def check_from_of(checker: LineCheck | None) -> int | None:
    """The offset from which _match_candidate_lines checks lines itself (None: the worker checks them all)."""
    if checker is None:
        return 0
    return checker.until


def numbered_ndjson_lines(src: Source, progress: ProgressFn | None = None, done_before: int = 0) -> Iterator[tuple[int, bytes, int]]:
    """(line number, bytes without the line end, byte offset) of every non-blank NDJSON line, unparsed.

    The offset is the line's place in the (decompressed) file: for an uncompressed file,
    where its bytes can be read again.
    """
    lineno = 0
    pos = len(fmt.BOM) if src.bom else 0  # ndjson_lines drops it
    src.bytes_read = 0
    try:
        with src.open_binary() as f:  # counts src.bytes_read; names a damaged gzip stream
            for lines in ndjson_lines(f):
                if progress is not None:
                    progress(done_before + src.bytes_read)
                for line in lines:
                    lineno += 1
                    start = pos
                    pos += len(line) + 1
                    if line[-1:] == b"\r":
                        line = line[:-1]
                    if line and not line.isspace():
                        yield lineno, line, start
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"cannot read the file ({exc})", where=str(src.path), hint="download or write the file again") from None
    except LineTooLong as exc:
        raise InputError(
            str(exc),
            where=f"{src.path}:{lineno + 1}",
            hint="an NDJSON export holds one user a line; check the file is NDJSON",
        ) from None
