"""JSON array: a quick path for one user a line (emit's chunks, convert's output), and any other layout."""

from __future__ import annotations

import json
import re
from collections.abc import Generator, Iterator

from bulkedit.io import detect as fmt
from bulkedit.io import jsonio, limits
from bulkedit.io.read.base import Record
from bulkedit.io.read.names import KeyNames
from bulkedit.io.read.stream import LineTooLong, TextBlocks, ndjson_lines, skip_bytes

#: The longest JSON array element read: one user at most (limits.MAX_USER_BYTES).
MAX_ELEMENT = limits.MAX_USER_BYTES


class JsonArrayReader(KeyNames):
    """Reads a Source holding one JSON array of user objects."""

    def _json_array(self) -> Iterator[Record]:
        resume = yield from self._json_array_by_line()
        if resume is not None:
            yield from self._json_array_general(*resume)
        self._warn_unused_map("key")

    def _json_array_by_line(self) -> Generator[Record, None, tuple[int, int, int, str] | None]:
        """The quick path for an array written one user a line, as emit's chunks and convert's output are.

        Each line holds `[`, `]`, or one whole user followed by `,` or `]` (or by nothing
        when `]` comes next), and each user is parsed by msgspec with its line's bytes
        kept as its raw form. At the first line of any other layout (a user spread over
        lines, two on one line) or of any error, it stops and returns where the general
        reader takes over: (byte offset and number of that line, users read so far, what
        may come there: "value" after `[` or `,`, "next" (`,` or `]`) after a user,
        "end" after `]`), or None when the array was read to its end.
        """
        decode = jsonio.decode
        decode_errors = jsonio.DECODE_ERRORS
        lineno = 0
        at = 0  # byte offset of the line's start
        opened = closed = False
        expect_value = True
        users = 0

        def resume(start: int, lineno: int, state: str) -> tuple[int, int, int, str]:
            # before the first user (the `[` may be on this very line), from the file's start
            return (start, lineno, users, state) if users else (0, 1, 0, "value")

        with self.open_binary() as f:
            line_lists = ndjson_lines(f, strip_bom=False, max_line=MAX_ELEMENT)
            while True:
                try:
                    lines = next(line_lists)
                except StopIteration:
                    break
                except LineTooLong:  # a long line: the general reader goes on from its start
                    return resume(at, lineno + 1, "end" if closed else "value" if expect_value else "next")
                for line in lines:
                    lineno += 1
                    start = at
                    at += len(line) + 1
                    s = line.strip()
                    if lineno == 1 and s.startswith(fmt.BOM):
                        s = s[len(fmt.BOM) :].lstrip()
                    if not s:
                        self._count_blank(lineno)
                        continue
                    if not opened:
                        if s[:1] != b"[":
                            return resume(0, 1, "value")
                        opened = True
                        s = s[1:].lstrip()
                        if not s:
                            continue
                    state = "end" if closed else "value" if expect_value else "next"
                    if closed:
                        return resume(start, lineno, state)
                    if s == b"]":
                        if expect_value and users:  # a comma before `]`: the general reader names it
                            return resume(start, lineno, state)
                        closed = True
                        continue
                    if not expect_value:
                        return resume(start, lineno, state)
                    last = s[-1:]
                    item = s[:-1] if last in (b",", b"]") else s
                    try:
                        user = decode(item)
                    except decode_errors:
                        return resume(start, lineno, state)
                    if user.__class__ is not dict:
                        return resume(start, lineno, state)
                    self._check_json(item, user, lineno)
                    if not users:
                        self._refuse_foreign_object(user, lineno)
                    norm = self._normalise(user, lineno)
                    yield Record(lineno, user, item.rstrip()) if norm is None else Record(lineno, norm, None)
                    users += 1
                    expect_value = last == b","
                    closed = last == b"]"
        if not closed:  # a truncated array: the general reader says so
            return resume(at, lineno + 1, "value" if expect_value else "next")
        return None

    def _json_array_general(self, offset: int = 0, lineno: int = 1, done: int = 0, state: str = "value") -> Iterator[Record]:
        """Any JSON array, element by element with the standard library's decoder.

        Starts at the file's start, or at byte `offset` (a line start, line `lineno`)
        where the quick path stopped after `done` users, expecting `state` there.
        """
        raw_decode = jsonio.EXACT_DECODER.raw_decode
        with self.open_binary() as f:
            if offset:
                skip_bytes(f, offset)
            reader = TextBlocks(f, self)
            buf = reader.read()
            if not offset and buf.startswith("\ufeff"):
                buf = buf[1:]
            i = _skip_ws(buf, 0)
            lines_counted_to = 0
            line_at_i = lineno

            def line_of(pos: int) -> int:
                nonlocal lines_counted_to, line_at_i
                line_at_i += buf.count("\n", lines_counted_to, pos)
                lines_counted_to = pos
                return line_at_i

            if not offset:
                if i >= len(buf) or buf[i] != "[":
                    raise self._error("expected a JSON array", 1)
                i += 1
            first = done == 0
            expect_value = state == "value"
            index = done
            while state != "end":
                i = _skip_ws(buf, i)
                while i >= len(buf) and not reader.eof:
                    line_of(i)  # (lines counted, the blank space read can be dropped)
                    buf, i, lines_counted_to = _compact(buf, i, lines_counted_to, reader)
                    i = _skip_ws(buf, i)
                if i >= len(buf):
                    raise self._error("the JSON array is not closed with ']'", line_of(len(buf)), "the file may be truncated")
                ch = buf[i]
                if ch == "]" and (first or not expect_value):
                    i += 1
                    break
                if not expect_value:
                    if ch != ",":
                        ln = line_of(i)
                        raise self._error(f"expected ',' or ']' after element {index}, found {ch!r}", ln)
                    i += 1
                    expect_value = True
                    continue
                start_line = line_of(i)
                while True:
                    try:
                        user, end = raw_decode(buf, i)
                        break
                    except json.JSONDecodeError as exc:
                        if reader.eof or len(buf) - i > MAX_ELEMENT:
                            ln = line_of(exc.pos) if exc.pos >= lines_counted_to else start_line
                            col = exc.pos - (buf.rfind("\n", 0, exc.pos) + 1) + 1
                            raise self._error(f"malformed JSON at column {col}: {exc.msg}", ln) from None
                        buf, i, lines_counted_to = _compact(buf, i, lines_counted_to, reader)
                    except jsonio.DuplicateKey as exc:
                        raise self._json_refusal(exc, start_line) from None
                    except ValueError as exc:
                        raise self._error(f"malformed JSON: {exc}", start_line) from None
                    except RecursionError:
                        raise self._json_refusal(jsonio.TooDeep(), start_line) from None
                if type(user) is not dict:
                    raise self._error(f"element {index} is {jsonio.json_type(user)}, not a user object", start_line)
                self._check_json(buf[i:end], user, start_line)
                if index == 0:
                    self._refuse_foreign_object(user, start_line)
                norm = self._normalise(user, start_line)
                yield Record(start_line, user if norm is None else norm, None)
                index += 1
                first = False
                expect_value = False
                i = end
            # only whitespace may follow
            while True:
                j = _skip_ws(buf, i)
                if j < len(buf):
                    raise self._error("unexpected content after the JSON array", line_of(j))
                if reader.eof:
                    break
                line_of(j)
                buf, i, lines_counted_to = _compact(buf, j, lines_counted_to, reader)


_BLANK = re.compile(r"[ \t\r\n]*")


def _skip_ws(buf: str, i: int) -> int:
    """The index of the first non-blank character of `buf` at or after `i` (blank space skipped at C speed)."""
    m = _BLANK.match(buf, i)
    return m.end() if m is not None else i


def _compact(buf: str, i: int, counted: int, reader: TextBlocks) -> tuple[str, int, int]:
    """Drop what is consumed before `i` (lines already counted) and read another block."""
    cut = min(i, counted)
    return buf[cut:] + reader.read(), i - cut, counted - cut
