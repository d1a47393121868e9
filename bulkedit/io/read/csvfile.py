"""CSV (and TSV): Auth0's escaped export and plain files, with bulkedit's type sidecar when one is beside it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from bulkedit.errors import InputError
from bulkedit.io import limits, tabular
from bulkedit.io.read.base import Record
from bulkedit.io.read.sniff import head_looks_auth0_escaped, needless_quotes, sniff_delimiter
from bulkedit.io.read.stream import LineTooLong, invalid_utf8_line
from bulkedit.io.read.table import TableReader

#: The longest CSV row (in characters) read: one user at most.
#: The longest CSV row (in characters) read: one user at most.
MAX_ROW = limits.MAX_USER_BYTES

csv.field_size_limit(limits.MAX_CSV_CELL)


class CsvReader(TableReader):
    """Reads a Source of CSV rows."""

    def _csv(self) -> Iterator[Record]:
        sidecar = _read_sidecar(self.path)
        with self.open_binary() as fb:
            text = io.TextIOWrapper(fb, encoding="utf-8-sig", newline="")
            try:
                head = text.read(65536)
            except UnicodeDecodeError:
                raise self._not_utf8() from None
            self.delimiter = sniff_delimiter(head)
            self.auth0_escaped = head_looks_auth0_escaped(head, self.delimiter)
            if sidecar is not None and self.auth0_escaped:
                # bulkedit quotes a cell only when it must; Auth0 quotes every string
                self._auth0_quoting = needless_quotes(head, self.delimiter)
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

    def _not_utf8(self) -> InputError:
        line = invalid_utf8_line(self)
        return self._error(
            f"not UTF-8 text (line {line})" if line else "not UTF-8 text",
            line,
            "save the CSV as UTF-8 (Excel: 'CSV UTF-8'), or convert it with iconv",
        )


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
