"""Readers for every user file bulkedit accepts, streaming one user at a time.

`open_source(path)` detects the format from content and returns a `Source`;
`Source.records()` yields `Record(pos, user, raw)` where `pos` is the 1-based
line (NDJSON, JSON) or row counting the header (CSV, XLSX), `user` is the exact
JSON object, and `raw` is the user's original JSON bytes when `user` is exactly
what they say (so writers can copy them instead of encoding again), else None.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import itertools
import json
import re
import sys
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, NamedTuple, Protocol

from bulkedit import fields
from bulkedit.errors import InputError
from bulkedit.io import detect as fmt
from bulkedit.io import jsonio, limits, tabular
from bulkedit.paths import MISSING, PathConflict, PathError, format_path, get_path, parse_path, set_path
from bulkedit.privacy import text_safe

BLOCK = 1 << 20
#: The longest JSON array element and NDJSON line read: one user at most (limits.MAX_USER_BYTES).
MAX_ELEMENT = limits.MAX_USER_BYTES
MAX_LINE = limits.MAX_USER_BYTES
#: The longest CSV row (in characters) read: one user at most.
MAX_ROW = limits.MAX_USER_BYTES

csv.field_size_limit(limits.MAX_CSV_CELL)


class Record(NamedTuple):
    pos: int
    user: dict[str, Any]
    raw: bytes | None


#: `_new_record(Record, (pos, user, raw))` builds a Record without NamedTuple's Python-level __new__.
_new_record = tuple.__new__


@dataclass
class Column:
    """A CSV/XLSX column: its header, the field path it fills, and how its cells are typed."""

    header: str
    path: tuple[str | int, ...]
    kind: str | None  # a tabular kind; None: infer from the cell (file without type information)
    #: untyped file: every non-empty cell of the first rows is JSON, with a list or object among them
    json: bool = False


#: fields.FIELD_TYPES by field path: the type a cell of a file without type information gets.
_KNOWN_TYPES = {parse_path(name): kind for name, kind in fields.FIELD_TYPES.items()}
_DIGITS = re.compile(r"-?[0-9]+")
_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")

#: `_ndjson_line`'s default: the line has not been parsed yet.
_UNPARSED: Any = object()


@dataclass
class Source:
    """One input file, with what detection found. Iterate `records()` as often as needed."""

    path: Path
    format: str
    compressed: bool
    bom: bool = False
    column_map: dict[str, str] | None = None
    #: original column or key name -> Auth0 field path it was read as (filled while reading)
    renamed: dict[str, str] = field(default_factory=dict)
    #: CSV/XLSX: the columns, and whether the cells carry bulkedit's type information
    columns: list[Column] = field(default_factory=list)
    typed: bool = False
    auth0_escaped: bool = False
    delimiter: str = ","
    meta: dict[str, Any] = field(default_factory=dict)
    bytes_read: int = 0
    #: blank lines or empty rows met so far (limits.MAX_BLANK_LINES)
    _blanks: int = field(default=0, repr=False)
    #: a typed sheet's recorded top-level key order: key -> place (see tabular.ColumnSet.key_order)
    _key_rank: dict[str, int] = field(default_factory=dict, repr=False)
    #: the column indices in that order (None: the columns' own), set when the rows are read
    _row_order: list[int] | None = field(default=None, repr=False)
    _sha256: str | None = field(default=None, repr=False)
    #: key or header -> the field path it fills (a file has a few keys, seen on every user)
    _targets: dict[str, tuple[str | int, ...]] = field(default_factory=dict, repr=False)
    #: `column_map` entries that matched a key or column, and whether unused ones were reported
    _map_used: set[str] = field(default_factory=set, repr=False)
    _map_warned: bool = field(default=False, repr=False)
    #: a CSV beside a sidecar quotes strings as Auth0's export does (which bulkedit never writes)
    _auth0_quoting: bool = field(default=False, repr=False)

    def where(self, pos: int | None) -> str:
        return f"{self.path}:{pos}" if pos is not None else str(self.path)

    @property
    def size(self) -> int:
        return self.path.stat().st_size

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

    def sha256(self) -> str:
        """The file's sha256 (computed once: a command may need it twice)."""
        if self._sha256 is None:
            self._sha256 = file_sha256(self.path)
        return self._sha256

    def provenance(self) -> dict[str, Any]:
        """What a sheet records about the export it was made from (checked when it comes back)."""
        return {"source": self.path.name, "source_sha256": self.sha256(), "source_format": self.format}

    # -- opening ------------------------------------------------------------------

    def open_binary(self) -> IO[bytes]:
        """The file's (decompressed) bytes; reading counts `bytes_read` (for progress)."""
        raw = open(self.path, "rb")  # noqa: SIM115 - closed by the caller's with-block
        if self.compressed:
            return _CountingGzip(raw, self)  # type: ignore[return-value]  # a raw binary stream
        return _Counting(raw, self)  # type: ignore[return-value]

    def _error(self, message: str, pos: int | None = None, hint: str | None = None) -> InputError:
        return InputError(message, where=self.where(pos), hint=hint)

    # -- key names ----------------------------------------------------------------

    def _normalise(self, user: dict[str, Any], pos: int) -> dict[str, Any] | None:
        """Map renamed and dotted top-level keys to Auth0 fields; None when nothing changes.

        Two keys that fill the same field (`name` and `Name`, or `user_metadata.plan` beside
        a `user_metadata` object holding `plan`) are refused: one value would be lost.
        """
        if fields.KNOWN_FIELDS.issuperset(user) and not self.column_map:
            return None
        targets: list[tuple[tuple[str | int, ...], str]] = []
        changed = False
        for key in user:
            target = self._key_target(key)
            if target != (key,):
                changed = True
            targets.append((target, key))
        if not changed:
            return None
        out: dict[str, Any] = {}
        placed: list[tuple[tuple[str | int, ...], str]] = []
        for target, key in targets:
            if target != (key,):
                self.renamed[key] = format_path(target)
            self._place(out, target, user[key], key, placed, pos)
        return out

    def _place(
        self, out: dict[str, Any], target: tuple[str | int, ...], value: Any, key: str,
        placed: list[tuple[tuple[str | int, ...], str]], pos: int,
    ) -> None:
        """Set `target` to `value` (the value of `key`), merging objects; refuse a field two keys fill."""
        existing = get_path(out, target)
        if existing is not MISSING:
            if type(existing) is dict and type(value) is dict:
                for k, v in value.items():
                    self._place(out, target + (k,), v, key, placed, pos)
                return
            other = next((k for t, k in placed if t == target[: len(t)] or target == t[: len(target)]), "another key")
            raise self._error(
                f"keys {other!r} and {key!r} both fill the field {format_path(target)!r}",
                pos,
                "remove one of them, or map one elsewhere with --map",
            )
        try:
            set_path(out, target, value)
        except PathConflict as exc:
            raise self._error(f"cannot place key {key!r} at {format_path(target)!r}: {exc}", pos) from None
        placed.append((target, key))

    def _key_target(self, key: str) -> tuple[str | int, ...]:
        """The field path a top-level key or column header stands for (`(key,)` when it is just itself).

        `--map` entries win (matched exactly, else case- and space-insensitively, like the
        built-in renames); then Dashboard/extension names; then dotted/indexed names whose
        root is an Auth0 field (`user_metadata.plan`, `identities[0].connection`).
        """
        target = self._targets.get(key)
        if target is None:
            target = _default_target(key)
            entry = _map_entry(self.column_map, key) if self.column_map else None
            if entry is not None:
                self._map_used.add(entry)
                target = parse_path(self.column_map[entry])  # type: ignore[index]  # entry is one of its keys
            if len(self._targets) < 10000:
                self._targets[key] = target
        return target

    def _warn_unused_map(self, what: str) -> None:
        """Tell (once, on stderr) which `--map` entries matched no key or column of this file."""
        if not self.column_map or self._map_warned:
            return
        self._map_warned = True
        unused = [k for k in self.column_map if k not in self._map_used]
        if unused:
            names = ", ".join(repr(k) for k in unused[:10]) + (f" and {len(unused) - 10} more" if len(unused) > 10 else "")
            print(
                f"bulkedit: warning: {text_safe(self.path)}: --map {'entry' if len(unused) == 1 else 'entries'} {text_safe(names)}"
                f" matched no {what} of this file, so {'it was' if len(unused) == 1 else 'they were'} not used"
                " (check the spelling against the file's names)",
                file=sys.stderr,
            )

    def _refuse_foreign_object(self, user: dict[str, Any], pos: int) -> None:
        """The first user of a JSON file has no key that fills an Auth0 field: not a user file."""
        if not user or any(_is_user_field(self._key_target(k)) for k in user):
            return
        keys = ", ".join(repr(k) for k in list(user)[:6]) + (", ..." if len(user) > 6 else "")
        raise self._error(
            f"not a user file: the first JSON object has no Auth0 user field (its keys: {keys})",
            pos,
            "a user has keys such as user_id, email, name; map other names to Auth0 fields with --map",
        )

    # -- NDJSON -------------------------------------------------------------------

    def _ndjson(self) -> Iterator[Record]:
        return self.records_range(0, None)

    def records_range(self, start: int = 0, end: int | None = None) -> Iterator[Record]:
        """The records of NDJSON bytes [start, end) (`start` at a line start), numbered by their line in the file.

        This is the one NDJSON read loop: every command, and every worker process reading
        a part of a large file, goes through it.
        """
        if start and self.compressed:
            raise ValueError("a compressed file can only be read from its start")
        new_record = _new_record
        loads = jsonio.decode
        decode_errors = jsonio.DECODE_ERRORS
        known_superset = fields.KNOWN_FIELDS.issuperset
        careful = self._ndjson_line
        encode = jsonio.encode
        check = self._check_json
        max_depth = jsonio.MAX_DEPTH
        lineno = line_number_at(self.path, start) if start else 0
        with self.open_binary() as f:
            if start:
                f.seek(start)
            try:
                for lines in ndjson_lines(f, None if end is None else end - start, strip_bom=start == 0):
                    if self.column_map:
                        for line in lines:
                            lineno += 1
                            rec = careful(line, lineno)
                            if rec is not None:
                                yield rec
                        continue
                    # The hot loop (a million users): msgspec straight away; only a line it
                    # cannot parse, or a user that is not a plain object of known fields, takes
                    # the careful path.
                    for line in lines:
                        lineno += 1
                        try:
                            user = loads(line)
                        except decode_errors:
                            rec = careful(line, lineno)
                            if rec is not None:
                                yield rec
                            continue
                        if user.__class__ is dict and known_superset(user):
                            if line[-1:] == b"\r":
                                line = line[:-1]
                            # a repeated key or absurd nesting (msgspec keeps the last key silently)
                            if line.count(b"{") + line.count(b"[") > max_depth or encode(user) != line:
                                check(line, user, lineno)
                            yield new_record(Record, (lineno, user, line))
                        else:
                            rec = careful(line, lineno, user)  # parsed already: normalise or refuse it
                            if rec is not None:
                                yield rec
            except LineTooLong as exc:
                raise self._error(
                    str(exc),
                    lineno + 1,
                    "an NDJSON export holds one user a line; check the file is NDJSON (a JSON array is read as one)",
                ) from None
        if not start and end is None:
            self._warn_unused_map("key")

    def _ndjson_line(self, line: bytes, lineno: int, parsed: Any = _UNPARSED) -> Record | None:
        """The record of one NDJSON line (None for a blank one); `parsed`: the line's value, if already parsed."""
        if line[-1:] == b"\r":
            line = line[:-1]
        if parsed is not _UNPARSED:
            user = parsed
        elif not line or line.isspace():
            self._count_blank(lineno)
            return None
        else:
            user = self._parse_line(line, lineno)
        if type(user) is not dict:
            raise self._error(
                f"expected a JSON object (a user), found {jsonio.json_type(user)}",
                lineno,
                "each line of an NDJSON export holds one user object",
            )
        self._check_json(line, user, lineno)
        if lineno == 1:
            self._refuse_foreign_object(user, lineno)
        norm = self._normalise(user, lineno)
        if norm is None:
            return Record(lineno, user, line)
        return Record(lineno, norm, None)

    def _count_blank(self, pos: int) -> None:
        """Count a blank line or empty row; refuse a file of more of them than a sheet has rows."""
        self._blanks += 1
        if self._blanks > limits.MAX_BLANK_LINES:
            raise self._error(
                f"more than {limits.MAX_BLANK_LINES:,} blank lines (or empty rows): a user file has a few at most",
                pos,
                "this is not an export (or it was damaged): get the file again",
            )

    def _check_json(self, raw: bytes | str, user: dict[str, Any], pos: int) -> None:
        """Refuse a user whose JSON repeats a key in one object or nests too deeply (see jsonio.check_parsed)."""
        try:
            jsonio.check_parsed(raw, user)
        except jsonio.JSONError as exc:
            raise self._json_refusal(exc, pos) from None

    def _json_refusal(self, exc: jsonio.JSONError, pos: int) -> InputError:
        """The InputError for a repeated key (DuplicateKey) or too deep nesting (TooDeep)."""
        if isinstance(exc, jsonio.DuplicateKey):
            return self._error(
                f"the key {exc.key!r} appears twice in one JSON object; which of the two values Auth0 would take"
                " is not documented",
                pos,
                "keep one of the two and delete the other, then run the command again",
            )
        return self._error(
            exc.msg,
            pos,
            "flatten that metadata (Auth0 metadata is a few levels deep), or leave the user out of the file",
        )

    def _parse_line(self, line: bytes, lineno: int) -> Any:
        try:
            return jsonio.loads(line)
        except (jsonio.DuplicateKey, jsonio.TooDeep) as exc:
            raise self._json_refusal(exc, lineno) from None
        except jsonio.JSONError as exc:
            if lineno == 1:
                self._refuse_whole_json_document()
            raise self._error(
                f"malformed JSON at column {exc.column}: {exc.msg}",
                lineno,
                "each line of an NDJSON export must be one complete JSON object; fix or remove this line",
            ) from None
        except UnicodeDecodeError as exc:
            raise self._error(
                f"invalid UTF-8 at byte {exc.start + 1} of the line",
                lineno,
                "re-export the file, or convert it to UTF-8 (for example with iconv)",
            ) from None

    # -- JSON array ---------------------------------------------------------------

    def _json_array(self) -> Iterator[Record]:
        resume = yield from self._json_array_by_line()
        if resume is not None:
            yield from self._json_array_general(*resume)
        self._warn_unused_map("key")

    def _refuse_whole_json_document(self) -> None:
        """When the whole (small) file is one JSON value spread over lines, say that it is not NDJSON users."""
        limit = 64 << 20
        try:
            with self.open_binary() as f:
                data = f.read(limit + 1)
        except InputError:
            return
        if len(data) > limit or b"\n" not in data.strip():
            return  # one line: its own error says what is wrong with it
        try:
            value = json.loads(data.decode("utf-8-sig"))
        except (ValueError, RecursionError):
            return
        if type(value) is not dict:
            return
        lines = data.count(b"\n") + (not data.endswith(b"\n"))
        keys = ", ".join(repr(k) for k in list(value)[:6]) + (", ..." if len(value) > 6 else "")
        what = "a bulkedit type sidecar" if "columns" in value and "bulkedit" in value else f"keys: {keys}"
        raise self._error(
            f"not NDJSON users: the whole file is one JSON object over {lines:,} lines ({what})",
            None,
            "an NDJSON export holds one user object a line; a report, a sidecar or a settings file is not a user file",
        )

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
                _skip_bytes(f, offset)
            reader = _TextBlocks(f, self)
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

    # -- CSV ----------------------------------------------------------------------

    def _csv(self) -> Iterator[Record]:
        sidecar = _read_sidecar(self.path)
        with self.open_binary() as fb:
            text = io.TextIOWrapper(fb, encoding="utf-8-sig", newline="")
            try:
                head = text.read(65536)
            except UnicodeDecodeError:
                raise self._not_utf8() from None
            self.delimiter = _sniff_delimiter(head)
            self.auth0_escaped = _looks_auth0_escaped(head, self.delimiter)
            if sidecar is not None and self.auth0_escaped:
                # bulkedit quotes a cell only when it must; Auth0 quotes every string
                self._auth0_quoting = _needless_quotes(head, self.delimiter)
            stream = _Chain(head, text)
            reader = csv.reader(stream, delimiter=self.delimiter, strict=True)
            try:
                header = next(reader, None)
                if header is None:
                    return
                self.columns = self._columns(header, sidecar)
                yield from self._table_records(self._csv_rows(reader, stream), guarded=True)
            except UnicodeDecodeError:
                raise self._not_utf8() from None
            except csv.Error as exc:
                line = reader.line_num
                if "field larger than field limit" in str(exc):
                    raise self._error(
                        f"a cell longer than {limits.MAX_CSV_CELL:,} characters: more than any Auth0 user holds",
                        line + 1,
                        "check the quoting (an unclosed quote runs to the end of the file), or leave that value out",
                    ) from None
                if "unexpected end of data" in str(exc):  # a quote never closed: name the line it opened on
                    line, what = self._unclosed_quote_line(line), "a quote opened on this line is never closed"
                    raise self._error(f"malformed CSV: {what} ({exc})", line, "close the quote (write \"\" for a quote inside a cell)") from None
                raise self._error(f"malformed CSV: {exc}", line, "check the quoting of this row") from None
            except LineTooLong:
                raise self._error(
                    f"a line longer than {MAX_ROW:,} characters: more than any Auth0 user holds",
                    reader.line_num + 1,
                    "check that the file is a CSV of users (one user a row)",
                ) from None

    def _unclosed_quote_line(self, fallback: int) -> int:
        """The line where the CSV record that never ends begins: the file read again (only on this
        error) up to the last complete record."""
        with self.open_binary() as fb:
            text = io.TextIOWrapper(fb, encoding="utf-8-sig", newline="")
            reader = csv.reader(text, delimiter=self.delimiter or ",", strict=True)
            end = 0
            try:
                for _ in reader:
                    end = reader.line_num
            except (csv.Error, UnicodeDecodeError):
                return end + 1
        return fallback

    def _csv_rows(self, reader: Iterator[list[str]], stream: _Chain) -> Iterator[tuple[int, list[Any]]]:
        """(row, cells) of each data row; a row with more cells than the header is refused.

        A row short of cells has its missing trailing cells read as empty (Excel leaves out
        the delimiters of empty last columns), unless it is the file's last row and the file
        does not end with a line break: that row was cut off (a truncated file).
        """
        columns = self.columns
        ncols = len(columns)
        needed = max((i + 1 for i, c in enumerate(columns) if c.path), default=0)
        blank = [i for i, c in enumerate(columns) if not c.path]
        row = 1
        short: tuple[int, list[Any]] | None = None  # a short row, refused if nothing follows it
        for cells in reader:
            row += 1
            if short is not None:
                yield short
                short = None
            n = len(cells)
            if n != ncols:
                if not cells or (n == 1 and cells[0] == "" and ncols > 1):
                    self._count_blank(row)
                    continue
                if n > ncols and any(c != "" for c in cells[ncols:]):
                    raise self._error(
                        f"row has {n} cells but the header has {ncols} columns",
                        row,
                        "check for an unquoted delimiter inside a value",
                    )
                if n < needed:
                    if blank:
                        self._refuse_headerless_values(cells, blank, row)
                    short = (row, cells)
                    continue
            if blank:
                self._refuse_headerless_values(cells, blank, row)
            yield row, cells
        if short is not None:
            row, cells = short
            if not stream.last_line.endswith(("\n", "\r")):
                missing = next(c for c in columns[len(cells):] if c.path)
                raise self._error(
                    f"the last row has {len(cells)} cells but the header has {ncols} columns, and the file ends"
                    f" without a line break: column {missing.header!r} and those after it have no cell",
                    row,
                    "the file is probably truncated (an interrupted download or copy): get the whole file again",
                )
            yield short

    def _table_records(self, rows: Iterator[tuple[int, list[Any]]], *, guarded: bool) -> Iterator[Record]:
        """The users of CSV/XLSX rows, once the rows show the file is not a typed sheet without its types."""
        if not self.typed:
            sample = list(itertools.islice(rows, TYPED_SAMPLE_ROWS))
            self._refuse_untyped_sheet(sample)
            for i in _json_columns(self.columns, sample):
                self.columns[i].json = True
            rows = itertools.chain(sample, rows)
        if self._key_rank:  # the users' own key order, which a sheet's key-columns-first layout changed
            rank, last, columns = self._key_rank, len(self._key_rank), self.columns
            self._row_order = sorted(range(len(columns)), key=lambda i: rank.get(str(columns[i].path[0]), last) if columns[i].path else last)
        row_user = self._row_user
        for row, cells in rows:
            yield Record(row, row_user(cells, row, guarded=guarded), None)

    def _refuse_headerless_values(self, cells: list[Any], blank: Iterable[int], row: int) -> None:
        for i in blank:
            if i < len(cells) and cells[i] is not None and cells[i] != "":
                raise self._error(
                    f"{self._column_label(i)} has no header, but this row has a value there ({str(cells[i])[:40]!r})",
                    row,
                    "give the column a header (an Auth0 field such as user_metadata.note), or delete its values",
                )

    def _column_label(self, i: int) -> str:
        if self.format == fmt.XLSX:
            from bulkedit.io.xlsxread import column_letters

            return f"column {column_letters(i + 1)}"
        return f"column {i + 1}"

    def _refuse_untyped_sheet(self, sample: list[tuple[int, list[Any]]]) -> None:
        """A sheet bulkedit wrote, read without its type record, would give different users: refuse it."""
        hit = _typed_layout_evidence(self.columns, sample)
        if hit is None:
            return
        header, row, cell = hit
        shown = f"{cell[:40]!r}{'...' if len(cell) > 40 else ''} in column {header!r}, row {row}"
        evidence = f"cells such as {shown} are text in JSON quotes, as bulkedit writes it, and would keep their quotes"
        yourself = "; if you made the file yourself, type such values without the surrounding double quotes"
        if self.format == fmt.CSV:
            side = tabular.sidecar_path(self.path).name
            raise self._error(
                f"this CSV looks like one bulkedit wrote, but its type sidecar {side} is not beside it: {evidence}",
                None,
                f"put {side} back beside the CSV (a renamed CSV needs its sidecar renamed the same way), or convert"
                " the export again" + yourself,
            )
        raise self._error(
            f"this workbook looks like one bulkedit wrote, but its hidden type sheet {tabular.META_SHEET!r} is gone:"
            f" {evidence}",
            None,
            "edit the workbook bulkedit wrote (keep its hidden sheet), or convert the export again" + yourself,
        )

    def _not_utf8(self) -> InputError:
        line = _invalid_utf8_line(self)
        return self._error(
            f"not UTF-8 text (line {line})" if line else "not UTF-8 text",
            line,
            "save the CSV as UTF-8 (Excel: 'CSV UTF-8'), or convert it with iconv",
        )

    def _columns(self, header: list[str], sidecar: dict[str, Any] | None) -> list[Column]:
        kinds: dict[str, str] = {}
        if sidecar is not None:
            self.typed = True
            self.meta = sidecar
            kinds = {c["name"]: c["type"] for c in sidecar.get("columns", [])}
            order = sidecar.get("key_order")
            if type(order) is list and all(type(k) is str for k in order):
                self._key_rank = {k: i for i, k in enumerate(order)}
        names = []
        for raw_name in header:
            name = raw_name.strip()
            if self.auth0_escaped and name.startswith("'"):
                name = name[1:]
            elif name[:1] == "'" and name[1:].startswith(tabular.FORMULA_START):
                name = name[1:]  # the guard bulkedit's writer put on a formula-like header (tabular.neutralise)
            names.append(name)
        if sidecar is not None:
            self._refuse_stale_types(names, kinds)
            self.auth0_escaped = False  # bulkedit's own file: its `'` guards are undone by the recorded types
        cols: list[Column] = []
        seen: dict[tuple[str | int, ...], str] = {}
        for raw_name, name in zip(header, names):
            if not name:
                cols.append(Column(raw_name, (), None))
                continue
            if name in kinds:
                try:
                    path = parse_path(name)
                except PathError:
                    path = (name,)
                kind: str | None = kinds[name]
            else:
                path = self._key_target(name)
                if path != (name,) and format_path(path) != name:
                    self.renamed[name] = format_path(path)
                kind = tabular.STRING if self.typed else None
            if path in seen:
                raise self._error(
                    f"columns {seen[path]!r} and {name!r} both fill the field {format_path(path)!r}",
                    1,
                    "remove one of them, or map one elsewhere with --map",
                )
            seen[path] = name
            cols.append(Column(raw_name, path, kind))
        if not any(_is_user_field(c.path) for c in cols):
            shown = ", ".join(repr(n) for n in names[:6] if n) + (", ..." if len(names) > 6 else "")
            raise self._error(
                f"not a user file: no column of the first row names an Auth0 user field (it holds {shown or 'nothing'})",
                1,
                "a user file has columns such as user_id, email, name (or Dashboard names like Id, Email);"
                " map other column names with --map",
            )
        self._warn_unused_map("column")
        return cols

    def _refuse_stale_types(self, names: list[str], kinds: dict[str, str]) -> None:
        """A type record (sidecar, hidden sheet) left over from another file must not type this one."""
        present = set(names)
        gone = [n for n in kinds if n not in present]
        extra = [n for n in names if n and n not in kinds]
        if not (gone and extra) and not self._auth0_quoting:
            return
        if self.format == fmt.CSV:
            record = f"type sidecar {tabular.sidecar_path(self.path).name}"
            hint = (
                f"it was left over from another CSV of this name: move {tabular.sidecar_path(self.path).name} away to read"
                " the CSV as it is, or convert the export again"
            )
        else:
            record = f"hidden type sheet {tabular.META_SHEET!r}"
            hint = "convert the export again"
        if self._auth0_quoting:
            detail = "the file is Auth0's escaped CSV export, which bulkedit never writes"
        else:
            detail = f"it records columns {_some(gone)} that the file lacks, and the file has columns {_some(extra)} it does not record"
        raise self._error(f"the {record} does not belong to this file: {detail}", None, hint)

    def _row_user(self, cells: list[Any], row: int, *, guarded: bool) -> dict[str, Any]:
        user: dict[str, Any] = {}
        columns, order = self.columns, self._row_order
        pairs = zip(columns, cells) if order is None else ((columns[i], cells[i]) for i in order if i < len(cells))
        for col, cell in pairs:
            if not col.path:
                continue
            try:
                if col.kind is not None:
                    value = tabular.decode_cell(cell, col.kind, guarded=guarded)
                else:
                    value = self._infer_cell(cell, col)
            except tabular.CellError as exc:
                raise self._error(
                    f"column {col.header!r}: {exc}",
                    row,
                    "the column's type is recorded in the sidecar/hidden sheet: enter a value of that type (in a json"
                    ' column text is written with quotes: "pro"), or apply the sheet to its export with'
                    " `bulkedit edit EXPORT --sheet SHEET -o edited.ndjson`, which reads such cells",
                ) from None
            if value is MISSING:
                continue
            try:
                set_path(user, col.path, value)
            except PathConflict as exc:
                raise self._error(f"column {col.header!r}: {exc}", row) from None
        return user

    def _infer_cell(self, cell: Any, col: Column) -> Any:
        """A cell of a file without type information: Auth0 escaping, known field types, else text."""
        if cell is None:
            return MISSING
        known = _KNOWN_TYPES.get(col.path)
        if type(cell) is not str:  # XLSX without type information
            if known is None:  # keep numbers and booleans
                return cell.isoformat() if hasattr(cell, "isoformat") else cell
            if (known == "boolean" and type(cell) is bool) or (known == "integer" and type(cell) is int):
                return cell
            if known == "integer" and type(cell) is float and cell.is_integer():
                return int(cell)
            if known == "date" and isinstance(cell, datetime):
                return auth0_date(cell)
            cell = tabular.scalar_text(cell)  # a known string field: the text the cell shows, like a CSV's
        if cell == "":
            return MISSING
        if self.auth0_escaped and cell.startswith("'"):
            return cell[1:]
        if col.json:
            try:
                return jsonio.loads_exact(cell)
            except jsonio.JSONError:
                return cell  # a later row's text in a column of JSON
        if known == "boolean":
            low = cell.strip().lower()
            if low in ("true", "false"):
                return low == "true"
        elif known == "integer" and _DIGITS.fullmatch(cell.strip()):
            return int(cell)
        if self.auth0_escaped:
            # Auth0 prefixes every string; what is left is a date, a number or a boolean (TRUE after a re-save).
            if len(cell) <= 5 and cell.lower() in ("true", "false"):
                return cell.lower() == "true"
            if cell == "null":
                return None
            if _INTEGER.fullmatch(cell):
                return int(cell)
            if _NUMBER.fullmatch(cell):
                return float(cell)
        return cell

    # -- XLSX ---------------------------------------------------------------------

    def _xlsx(self) -> Iterator[Record]:
        from bulkedit.io.xlsx import read_rows

        rows, meta = read_rows(self)
        header = next(rows, None)
        if header is None:
            if meta is not None and not meta.get("columns"):
                return  # bulkedit's workbook of 0 users
            raise InputError(
                f"{self.path} holds no users (every sheet of the workbook is empty)",
                hint="put the users on a sheet named 'users' whose first row names their fields (user_id, email, ...),"
                " or export them again",
            )
        self.columns = self._columns(["" if h is None else str(h) for h in header], meta)
        yield from self._table_records(self._xlsx_rows(rows), guarded=False)

    def _xlsx_rows(self, rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, list[Any]]]:
        ncols = len(self.columns)
        blank = [i for i, c in enumerate(self.columns) if not c.path]
        row = 1
        for row_cells in rows:
            row += 1
            cells = list(row_cells)
            if all(c is None or c == "" for c in cells):
                continue
            if len(cells) > ncols and any(c not in (None, "") for c in cells[ncols:]):
                self._refuse_headerless_values(cells, range(ncols, len(cells)), row)
            if blank:
                self._refuse_headerless_values(cells, blank, row)
            yield row, cells


# -- helpers ------------------------------------------------------------------------


def _map_entry(column_map: dict[str, str], key: str) -> str | None:
    """The `--map` entry for `key`: the exact one, else one equal case-, space- and dash-insensitively."""
    if key in column_map:
        return key
    norm = fields.normalise_name(key)
    return next((k for k in column_map if fields.normalise_name(k) == norm), None)


def _is_user_field(path: tuple[str | int, ...]) -> bool:
    return bool(path) and path[0] in fields.KNOWN_FIELDS


def auth0_date(value: datetime) -> str:
    """A spreadsheet's date as Auth0 writes dates (`2022-04-26T00:07:05.098Z`; a naive one is taken as UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _some(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")


#: Rows of a CSV/XLSX without type information looked at for bulkedit's typed layout.
TYPED_SAMPLE_ROWS = 1000
_JSON_SCALAR = re.compile(r"null|true|false|" + _NUMBER.pattern)


def _typed_layout_evidence(columns: list[Column], rows: list[tuple[int, list[Any]]]) -> tuple[str, int, str] | None:
    """(header, row, cell) of a cell showing the rows are bulkedit's typed layout, or None.

    The evidence: a column whose every non-empty cell is JSON as bulkedit writes it (compact;
    null, booleans and numbers bare) and which holds a JSON-encoded string (`"trial"`, quotes
    included): bulkedit's form of text in a column of mixed types. Lists and objects alone
    are not evidence (people write `["admin"]` too; such columns are read as JSON), and
    text a person or another program wrote is not all JSON (`trial`, `Ann`).
    """
    for i, col in enumerate(columns):
        if not col.path:
            continue
        hit: tuple[str, int, str] | None = None
        for row, cells in rows:
            cell = cells[i] if i < len(cells) else None
            if cell is None or cell == "":
                continue
            if type(cell) is not str:
                hit = None
                break
            if cell[0] in '"[{':
                if not _is_compact_json(cell):
                    hit = None
                    break
                if hit is None and cell[0] == '"':
                    hit = (col.header, row, cell)
            elif not _JSON_SCALAR.fullmatch(cell):
                hit = None
                break
        if hit is not None:
            return hit
    return None


def _json_columns(columns: list[Column], rows: list[tuple[int, list[Any]]]) -> list[int]:
    """Columns of an untyped file read as JSON: a list or object among cells that are all JSON.

    Fields of a known type (`name`, `email_verified`, ...) are never among them.
    """
    out = []
    for i, col in enumerate(columns):
        if not col.path or col.path in _KNOWN_TYPES:
            continue
        structured = False
        for _row, cells in rows:
            cell = cells[i] if i < len(cells) else None
            if cell is None or cell == "" or type(cell) is not str:
                continue  # an XLSX number or boolean is a JSON value already
            if cell[0] in '[{"':
                try:
                    value = jsonio.loads_exact(cell)
                except jsonio.JSONError:
                    break
                structured = structured or type(value) in (list, dict)
            elif not _JSON_SCALAR.fullmatch(cell):
                break
        else:
            if structured:
                out.append(i)
    return out


def _is_compact_json(text: str) -> bool:
    """`text` is JSON exactly as bulkedit's writer encodes it."""
    try:
        return jsonio.dumps(jsonio.loads_exact(text)).decode("utf-8") == text
    except (jsonio.JSONError, ValueError, TypeError):
        return False


def _invalid_utf8_line(source: Source) -> int | None:
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


@lru_cache(maxsize=10000)  # a file has a few keys, seen on every user
def _default_target(key: str) -> tuple[str | int, ...]:
    canon = fields.canonical_column(key)
    if canon is not None:
        target = parse_path(canon)
    else:
        target = (key,)
        if "." in key or "[" in key:
            try:
                path = parse_path(key)
            except PathError:
                path = (key,)
            root = path[0]
            root_canon = fields.canonical_column(root) if isinstance(root, str) else None
            if root_canon is not None and len(path) > 1:
                target = parse_path(root_canon) + path[1:]
    return target


_BLANK = re.compile(r"[ \t\r\n]*")


def _skip_ws(buf: str, i: int) -> int:
    """The index of the first non-blank character of `buf` at or after `i` (blank space skipped at C speed)."""
    m = _BLANK.match(buf, i)
    return m.end() if m is not None else i


def _compact(buf: str, i: int, counted: int, reader: _TextBlocks) -> tuple[str, int, int]:
    """Drop what is consumed before `i` (lines already counted) and read another block."""
    cut = min(i, counted)
    return buf[cut:] + reader.read(), i - cut, counted - cut


def _sniff_delimiter(head: str) -> str:
    first = head.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


#: Cells that are not strings in Auth0's export, in any case, quoted or not: booleans, null,
#: numbers (also with a decimal comma), ISO dates and the dates a spreadsheet rewrites them to.
_NOT_TEXT = re.compile(
    r"(?i:true|false|null)"
    r"|[-+]?[0-9]+([.,][0-9]+)*([eE][-+]?[0-9]+)?"
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:.]+(Z|[-+][0-9:]+)?)?"
    r"|[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}( [0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?( ?[AaPp][Mm])?)?"
)
#: Data rows that decide whether a CSV (or a workbook) is Auth0's escaped export.
ESCAPED_SAMPLE_ROWS = 50


def _looks_auth0_escaped(head: str, delimiter: str) -> bool:
    """Auth0's CSV export wraps each string in quotes and prefixes it with `'` (see `looks_auth0_escaped`)."""
    end = head.rfind("\n")
    if end < 0:
        return False
    reader = csv.reader(io.StringIO(head[: end + 1]), delimiter=delimiter)
    header = next(reader, None) or []
    try:
        return looks_auth0_escaped(header, reader)
    except csv.Error:
        return False


def looks_auth0_escaped(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bool:
    """Whether the rows under `header` are Auth0's escaped export: each string prefixed with `'`.

    Decided by the first sampled data rows. When the file has a user_id or email column (under
    any name that maps to them), those columns decide: Auth0 always exports them as
    strings, so more than half of their cells carry the `'` whatever columns a person
    added beside them, and whatever new users (typed without it) they added below.
    Otherwise: escaped when more than half of the string cells start with `'`. In both,
    a cell starting with `'` counts whether quoted or bare (a spreadsheet re-save drops
    the quotes); empty cells, booleans, null, numbers and dates
    count for neither side, in any case and quoted or not: whether Auth0 quotes them is
    undocumented, and a spreadsheet writes `TRUE` and its own dates. So does a cell that is
    not text (an XLSX number, boolean or date: Auth0's CSV saved as a workbook). A plain file
    with a few `'` cells among its text is plain.
    """
    ids = {i for i, name in enumerate(header) if _default_target(str(name).lstrip("\ufeff")) in (("user_id",), ("email",))}
    text = prefixed = id_text = id_prefixed = 0
    not_text = _NOT_TEXT.fullmatch
    for cells in itertools.islice(rows, ESCAPED_SAMPLE_ROWS):
        for i, cell in enumerate(cells):
            if type(cell) is not str:
                continue
            if cell.startswith("'"):
                hit = 1
            elif cell and not not_text(cell.strip()):
                hit = 0
            else:
                continue
            text += 1
            prefixed += hit
            if i in ids:
                id_text += 1
                id_prefixed += hit
    if id_text:
        return id_prefixed * 2 > id_text
    return prefixed * 2 > text


def _needless_quotes(head: str, delimiter: str) -> bool:
    """Some `'`-prefixed cell is quoted though it needs no quotes: Auth0's escaping, not a minimal CSV writer's."""
    special = (delimiter, '"', "\r", "\n")
    return any(c.startswith("'") and not any(ch in c for ch in special) for c in _quoted_cells(head, delimiter))


def _quoted_cells(text: str, delimiter: str) -> set[str]:
    """The contents of the cells of `text` written in double quotes (quotes undone)."""
    pattern = rf'(?:^|(?<=[{re.escape(delimiter)}\n]))"((?:[^"]|"")*)"'
    return {m.group(1).replace('""', '"') for m in re.finditer(pattern, text)}


def _read_sidecar(path: Path) -> dict[str, Any] | None:
    side = tabular.sidecar_path(path)
    if not side.exists():
        return None
    try:
        data = json.loads(side.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{side}: unreadable type sidecar ({exc})", hint="delete it to read the CSV as plain text") from None
    if type(data) is not dict or type(data.get("columns")) is not list:
        raise InputError(f"{side}: not a bulkedit type sidecar", hint="delete it to read the CSV as plain text")
    for col in data["columns"]:
        if type(col) is not dict or col.get("type") not in tabular.KINDS or type(col.get("name")) is not str:
            raise InputError(f"{side}: malformed column entry {col!r}", hint="delete it to read the CSV as plain text")
    return data


class _Counting(io.RawIOBase):
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


class _CountingGzip(_Counting):
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


class _TextBlocks:
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
            line = _invalid_utf8_line(self._source)
            raise InputError(
                f"invalid UTF-8 on line {line}" if line else "invalid UTF-8",
                where=self._source.where(line),
                hint="re-export the file, or convert it to UTF-8 (for example with iconv)",
            ) from None
        self.eof = final
        return text


class _Chain(io.TextIOBase):
    """The sniffed head of a text stream followed by the rest (csv.reader reads it line by line)."""

    def __init__(self, head: str, rest: IO[str]) -> None:
        self._head = io.StringIO(head)
        self._rest = rest
        self._head_done = False
        #: the last line read (does the file end with a line break?)
        self.last_line = ""

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        """The next line; LineTooLong past MAX_ROW characters (a 2 GB line is never held)."""
        if not self._head_done:
            line = self._head.readline()
            if line.endswith("\n"):
                return line
            self._head_done = True
            line += self._rest.readline(MAX_ROW + 1 - len(line))
        else:
            line = self._rest.readline(MAX_ROW + 1)
        if len(line) > MAX_ROW:
            raise LineTooLong(MAX_ROW)
        return line

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        return self

    def __next__(self) -> str:  # type: ignore[override]  # a text stream's lines
        line = self.readline()
        if not line:
            raise StopIteration
        self.last_line = line
        return line


def _skip_bytes(f: IO[bytes], n: int) -> None:
    """Move `f` `n` bytes on (a gzip stream by reading them)."""
    while n > 0:
        data = f.read(min(BLOCK, n))
        if not data:
            return
        n -= len(data)


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


def load_column_map(path: Path | None) -> dict[str, str] | None:
    """Read a `--map` file: a JSON or YAML object {"column": "auth0.field.path"}."""
    if path is None:
        return None
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the column map ({exc.strerror})", hint="check the path") from None
    try:
        data = json.loads(text)
    except ValueError:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError(f"{path}: the column map is neither JSON nor YAML ({exc})") from None
    if type(data) is not dict or not all(type(k) is str and type(v) is str for k, v in data.items()):
        raise InputError(
            f"{path}: the column map must be an object of column name -> field path",
            hint='for example {"Zip Code": "user_metadata.zip"}',
        )
    for col, target in data.items():
        try:
            parse_path(target)
        except PathError as exc:
            raise InputError(f"{path}: column {col!r} maps to a malformed path: {exc}") from None
    return data


def open_source(path: Path | str, *, column_map: dict[str, str] | None = None) -> Source:
    """Detect the format of `path` from its content and return a Source to read it."""
    path = Path(path)
    found = fmt.detect(path)
    return Source(path=path, format=found.format, compressed=found.compressed, bom=found.bom, column_map=column_map)


def read_users(path: Path | str, **kw: Any) -> list[dict[str, Any]]:
    """All users of a file, in order (convenience for small files and tests)."""
    return list(open_source(path, **kw).users())

