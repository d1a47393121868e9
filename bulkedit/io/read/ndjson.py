"""NDJSON: the one read loop every command (and every worker reading a part of a large file) goes through."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from bulkedit import fields
from bulkedit.errors import InputError
from bulkedit.io import jsonio
from bulkedit.io.read.base import Record, _new_record
from bulkedit.io.read.names import KeyNames
from bulkedit.io.read.stream import LineTooLong, line_number_at, ndjson_lines

#: `record_of_line`'s default: the line has not been parsed yet.
_UNPARSED: Any = object()


class NdjsonReader(KeyNames):
    """Reads a Source of NDJSON: one user object a line."""

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
        careful = self.record_of_line
        encode_into = jsonio.ENCODER.encode_into
        again = bytearray()
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
                            # a repeated key or absurd nesting (msgspec keeps the last key silently);
                            # encode_into returns None and re-encodes into one reused buffer
                            if line.count(b"{") + line.count(b"[") > max_depth or encode_into(user, again) or again != line:
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

    def record_of_line(self, line: bytes, lineno: int, parsed: Any = _UNPARSED) -> Record | None:
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
