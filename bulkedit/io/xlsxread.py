"""A streaming XLSX cell reader on expat: openpyxl's values, about 4x faster.

openpyxl's read-only mode builds an object per XML element and per cell (about
20 s for 100k users x 37 columns on this machine, most of `edit --sheet`); this
reader feeds the worksheet XML in blocks to expat and keeps only cell values:
shared and inline strings, numbers (int when written without a point or an
exponent), booleans, errors as their text, and numbers in a date format as
datetime (as openpyxl gives them, so spreadsheet dates can be recognised).

Hostile files: a DTD is refused outright (an XLSX never has one), so no entity
can be declared or expanded; zip members are read in blocks, and refused when they
claim to expand more than limits.MAX_RATIO-fold; a cell's text past 32,767 characters,
a row or column past a sheet's last and a shared string that does not exist are
refused (Malformed) where they are met, before they cost memory.
"""

from __future__ import annotations

import contextlib
import itertools
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, TypeVar
from xml.parsers import expat

from bulkedit.io import limits

BLOCK = 1 << 20


class XlsxError(ValueError):
    """The workbook's structure is not what this reader understands."""


class Malformed(XlsxError):
    """The workbook is damaged or hostile (past a limit, a reference to nothing): refused, not read another way."""


class UncomputedFormula(XlsxError):
    """A cell holds a formula but no saved result (a file written by a script, not by Excel)."""

    def __init__(self, ref: str) -> None:
        super().__init__(f"cell {ref} holds a formula with no saved result")
        self.ref = ref


@dataclass(frozen=True)
class SheetRef:
    name: str
    state: str
    part: str


def _local(tag: str) -> str:
    i = tag.rfind(":")
    return tag[i + 1 :] if i >= 0 else tag


def _parser() -> Any:
    p = expat.ParserCreate()
    p.buffer_text = True
    p.buffer_size = 1 << 16

    def no_dtd(*_: Any) -> None:
        raise XlsxError("the workbook's XML declares a DTD")

    p.StartDoctypeDeclHandler = no_dtd
    p.EntityDeclHandler = no_dtd
    return p


def _parse_all(f: IO[bytes], start: Any, end: Any = None, text: Any = None) -> None:
    p = _parser()
    p.StartElementHandler = start
    if end is not None:
        p.EndElementHandler = end
    if text is not None:
        p.CharacterDataHandler = text
    while True:
        block = f.read(BLOCK)
        try:
            p.Parse(block, not block)
        except expat.ExpatError as exc:
            raise XlsxError(f"malformed XML: {exc}") from None
        if not block:
            break


_DATE_BUILTIN = frozenset([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47, 50, 57])
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def _is_date_code(code: str) -> bool:
    bare = _QUOTED.sub("", code).lower()
    return any(c in bare for c in "dmyhs") and "general" not in bare


class Workbook:
    """An open XLSX: its sheets, and each sheet's rows as tuples of values."""

    def __init__(self, path: Any) -> None:
        try:
            self.zip = zipfile.ZipFile(path)
        except zipfile.BadZipFile as exc:
            raise XlsxError(f"not a zip archive ({exc})") from None
        names = set(self.zip.namelist())
        self._names = names
        book = "xl/workbook.xml"
        if book not in names:
            if "[Content_Types].xml" not in names:
                raise Malformed("a zip archive, not an XLSX workbook (it has no xl/workbook.xml)")
            raise XlsxError("no xl/workbook.xml")
        rels = self._rels("xl/_rels/workbook.xml.rels")
        sheets: list[SheetRef] = []

        def start(tag: str, attrs: dict[str, str]) -> None:
            if _local(tag) == "sheet":
                rid = next((v for k, v in attrs.items() if _local(k) == "id"), None)
                target = rels.get(rid or "")
                if target is not None:
                    sheets.append(SheetRef(attrs.get("name", ""), attrs.get("state", "visible"), target))

        with self.open(book) as f:
            _parse_all(f, start)
        self.sheets = sheets
        self._strings: list[str] | None = None
        self._dates: frozenset[int] | None = None
        #: how much of the sheet being read (`rows`) is parsed, 0 to 1, by its uncompressed XML
        self.read_fraction = 0.0
        self._string_part = next((t for t in rels.values() if t.endswith("sharedStrings.xml")), None)
        self._style_part = next((t for t in rels.values() if t.endswith("styles.xml")), None)

    def close(self) -> None:
        self.zip.close()

    def open(self, part: str) -> IO[bytes]:
        """A zip member to read, refused when it claims to expand more than limits.MAX_RATIO-fold."""
        info = self.zip.getinfo(part)
        if info.file_size > limits.RATIO_FLOOR and info.file_size > limits.MAX_RATIO * max(info.compress_size, 1):
            raise Malformed(
                f"{part} expands more than {limits.MAX_RATIO}-fold ({limits.mb(info.file_size)} MB from"
                f" {limits.mb(info.compress_size)} MB): refused as a decompression bomb"
            )
        return self.zip.open(info)

    def _rels(self, part: str) -> dict[str, str]:
        out: dict[str, str] = {}
        if part not in self._names:
            return out
        base = posixpath.dirname(posixpath.dirname(part))

        def start(tag: str, attrs: dict[str, str]) -> None:
            if _local(tag) == "Relationship" and "Id" in attrs and "Target" in attrs:
                target = attrs["Target"]
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
                out[attrs["Id"]] = path

        with self.open(part) as f:
            _parse_all(f, start)
        return out

    # -- shared strings and date styles (read once, when a sheet needs them) ----------

    def strings(self) -> list[str]:
        if self._strings is None:
            self._strings = self._read_strings()
        return self._strings

    def _read_strings(self) -> list[str]:
        out: list[str] = []
        part = self._string_part
        if part is None or part not in self._names:
            return out
        parts: list[str] = []
        state = {"in_t": False, "skip": 0}

        def start(tag: str, attrs: dict[str, str]) -> None:
            name = _local(tag)
            if name == "t" and not state["skip"]:
                state["in_t"] = True
            elif name in ("rPh", "phoneticPr"):
                state["skip"] += 1
            elif name == "si":
                parts.clear()

        def end(tag: str) -> None:
            name = _local(tag)
            if name == "t":
                state["in_t"] = False
            elif name in ("rPh", "phoneticPr"):
                state["skip"] -= 1
            elif name == "si":
                value = "".join(parts)
                if len(value) > limits.MAX_XLSX_CELL and "_x" not in value:
                    raise _cell_too_long(f"shared string {len(out)}")
                out.append(value)

        def text(data: str) -> None:
            if state["in_t"]:
                parts.append(data)
                if len(data) > limits.MAX_XLSX_CELL_XML or (len(parts) > 1 and sum(map(len, parts)) > limits.MAX_XLSX_CELL_XML):
                    raise _cell_too_long(f"shared string {len(out)}")

        with self.open(part) as f:
            _parse_all(f, start, end, text)
        return out

    def date_styles(self) -> frozenset[int]:
        if self._dates is None:
            self._dates = self._read_dates()
        return self._dates

    def _read_dates(self) -> frozenset[int]:
        part = self._style_part
        if part is None or part not in self._names:
            return frozenset()
        custom: dict[int, str] = {}
        xfs: list[int] = []
        state = {"in_xfs": False}

        def start(tag: str, attrs: dict[str, str]) -> None:
            name = _local(tag)
            if name == "numFmt":
                with contextlib.suppress(ValueError):
                    custom[int(attrs.get("numFmtId", "-1"))] = attrs.get("formatCode", "")
            elif name == "cellXfs":
                state["in_xfs"] = True
            elif name == "xf" and state["in_xfs"]:
                try:
                    xfs.append(int(attrs.get("numFmtId", "0")))
                except ValueError:
                    xfs.append(0)

        def end(tag: str) -> None:
            if _local(tag) == "cellXfs":
                state["in_xfs"] = False

        with self.open(part) as f:
            _parse_all(f, start, end)
        dates = set()
        for i, fid in enumerate(xfs):
            if fid in custom:
                if _is_date_code(custom[fid]):
                    dates.add(i)
            elif fid in _DATE_BUILTIN:
                dates.add(i)
        return frozenset(dates)

    # -- rows -------------------------------------------------------------------------

    def rows(self, sheet: SheetRef) -> Iterator[tuple[Any, ...]]:
        """Every row from the first, values only; rows the file skips come as empty tuples."""
        if sheet.part not in self._names:
            raise XlsxError(f"sheet {sheet.name!r} has no part {sheet.part}")
        strings = self.strings()
        dates = self.date_styles()
        done: list[tuple[Any, ...]] = []
        cur: dict[int, Any] = {}
        buf: list[str] = []
        # parser state, kept in closure variables (the handlers run once per XML element)
        row_no = 0
        col = -1
        ctype: str | None = None
        style = 0
        collect = False
        inline = False
        formula = False
        ref = ""
        names: dict[str, str] = {}

        def col_of(ref: str) -> int:
            n = 0
            for ch in ref[:4]:  # XFD, the last column, has three letters
                o = ord(ch)
                if 65 <= o <= 90:
                    n = n * 26 + o - 64
                elif 97 <= o <= 122:
                    n = n * 26 + o - 96
                else:
                    break
            if n > limits.MAX_SHEET_COLUMNS:
                raise Malformed(
                    f"cell {ref[:20]!r} lies past the last column a sheet has"
                    f" ({column_letters(limits.MAX_SHEET_COLUMNS)}, column {limits.MAX_SHEET_COLUMNS:,})"
                )
            return n - 1

        def start(tag: str, attrs: dict[str, str]) -> None:
            nonlocal row_no, col, ctype, style, collect, inline, formula, ref
            name = names.get(tag)
            if name is None:
                name = names[tag] = _local(tag)
            if name == "c":
                ref = attrs.get("r", "")
                col = col_of(ref) if ref else col + 1
                formula = False
                ctype = attrs.get("t")
                s = attrs.get("s")
                style = int(s) if s else 0
                buf.clear()
            elif name == "v":
                collect = True
            elif name == "f":
                formula = True
            elif name == "t":
                collect = inline
            elif name == "is":
                inline = True
            elif name == "row":
                r = attrs.get("r")
                try:
                    n = int(r) if r else row_no + 1
                except ValueError:
                    raise Malformed(f"a row numbered {str(r)[:20]!r}") from None
                if n > limits.MAX_SHEET_ROWS:
                    raise Malformed(f"row {n:,} lies past the last row a sheet has ({limits.MAX_SHEET_ROWS:,})")
                while row_no < n - 1:
                    row_no += 1
                    done.append(())
                row_no = n
                col = -1
                cur.clear()

        def end(tag: str) -> None:
            nonlocal collect, inline
            name = names.get(tag) or _local(tag)
            if name == "c":
                collect = False
                text = "".join(buf) if len(buf) != 1 else buf[0]
                if len(text) > limits.MAX_XLSX_CELL and "_x" not in text:  # (escapes lengthen the XML, not the value)
                    raise _cell_too_long(f"cell {ref or column_letters(col + 1) + str(row_no)}")
                t = ctype
                if text == "" and t not in ("inlineStr", "str"):
                    if formula:  # its value cannot be known: do not read the cell as empty
                        raise UncomputedFormula(ref or f"{column_letters(col + 1)}{row_no}")
                    return
                value: Any
                if t is None or t == "n":
                    value = _number(text)
                    if style in dates:
                        value = _from_excel(value)
                elif t == "s":
                    try:
                        value = strings[int(text)]
                    except (ValueError, IndexError):
                        raise Malformed(
                            f"cell {ref or column_letters(col + 1) + str(row_no)} refers to shared string {text[:20]!r},"
                            f" which does not exist (the workbook has {len(strings):,})"
                        ) from None
                elif t in ("inlineStr", "str", "e"):
                    value = text
                elif t == "b":
                    value = text.strip() == "1"
                elif t == "d":
                    value = _iso_datetime(text)
                else:
                    value = _number(text)
                cur[col] = value
            elif name == "v" or name == "t":
                collect = False
            elif name == "is":
                inline = False
            elif name == "row":
                if cur:
                    done.append(tuple(cur.get(i) for i in range(max(cur) + 1)))
                else:
                    done.append(())

        def text(data: str) -> None:
            if collect:
                buf.append(data)
                if len(data) > limits.MAX_XLSX_CELL_XML or (len(buf) > 1 and sum(map(len, buf)) > limits.MAX_XLSX_CELL_XML):
                    raise _cell_too_long(f"cell {ref or column_letters(col + 1) + str(row_no)}")

        p = _parser()
        p.StartElementHandler = start
        p.EndElementHandler = end
        p.CharacterDataHandler = text
        self.read_fraction = 0.0
        part_size = max(self.zip.getinfo(sheet.part).file_size, 1)  # as the zip's directory records it
        consumed = 0
        with self.open(sheet.part) as f:
            while True:
                block = f.read(BLOCK)
                consumed += len(block)
                self.read_fraction = min(consumed / part_size, 1.0)
                try:
                    p.Parse(block, not block)
                except expat.ExpatError as exc:
                    raise XlsxError(f"malformed XML in {sheet.part}: {exc}") from None
                if done:
                    yield from done
                    done.clear()
                if not block:
                    break


def _cell_too_long(what: str) -> Malformed:
    return Malformed(f"{what} holds more than {limits.MAX_XLSX_CELL:,} characters, more than a spreadsheet cell holds")


def _number(text: str) -> int | float:
    if "." in text or "e" in text or "E" in text:
        try:
            return float(text)
        except ValueError:
            raise XlsxError(f"{text!r} is not a number") from None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise XlsxError(f"{text!r} is not a number") from None


def _from_excel(value: float) -> Any:
    from openpyxl.utils.datetime import from_excel

    try:
        return from_excel(value)
    except (ValueError, OverflowError):
        return value


def _iso_datetime(text: str) -> Any:
    from datetime import datetime

    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text



_Sheet = TypeVar("_Sheet")


def users_sheet_rows(
    sheets: list[_Sheet], name: Callable[[_Sheet], str], rows: Callable[[_Sheet], Iterator[tuple[Any, ...]]], prefer: str
) -> Iterator[tuple[Any, ...]] | None:
    """The rows (header first) of the sheet holding the users; None when every sheet is empty.

    The sheet named `prefer` (any case) when it has a header row (a value in row 1), else
    the first sheet with one. When no sheet has a header row, the first sheet with any
    value (the reader then says its first row names no field).
    """
    order = sorted(sheets, key=lambda s: name(s).strip().casefold() != prefer.casefold())
    for sheet in order:
        it = rows(sheet)
        head = next(it, None)
        if head is not None and _has_value(head):
            return itertools.chain((head,), it)
        _close(it)
    for sheet in order:
        it = rows(sheet)
        found = any(_has_value(row) for row in it)
        _close(it)
        if found:
            return rows(sheet)
    return None


def _has_value(row: tuple[Any, ...]) -> bool:
    return any(c is not None and c != "" for c in row)


def _close(it: Iterator[Any]) -> None:
    close = getattr(it, "close", None)
    if close is not None:
        close()


def column_letters(n: int) -> str:
    """The letters of 1-based column `n` (1 -> A, 27 -> AA)."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out
