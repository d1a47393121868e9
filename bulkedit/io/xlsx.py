"""XLSX through openpyxl: read-only/write-only modes, text cells for strings, types in a hidden sheet.

defusedxml is installed with bulkedit, and openpyxl then parses the workbook's
XML through it (no entity expansion from a hostile file).
"""

from __future__ import annotations

import contextlib
import itertools
import re
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from bulkedit.errors import InputError
from bulkedit.io import jsonio, tabular
from bulkedit.io.xlsxread import column_letters, users_sheet_rows
from bulkedit.paths import MISSING

if TYPE_CHECKING:
    from bulkedit.io.read.base import SourceBase as Source

USERS_SHEET = "users"
MAX_ROWS = 1_048_575  # Excel's 1,048,576 rows less the header

_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Every `_` that begins an `_xHHHH_`, overlapping ones included: in `_x005F_x0041_` both
# underscores at 0 and 6 do, and escaping only the first (as a plain sub of _EXCEL_ESCAPE,
# xlsxwriter's own way, does) reads back as `_x005FA`.
_ESCAPE_START = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def escape_text(text: str) -> str:
    """Excel's `_xHHHH_` escaping of a literal string: each `_` that starts `_xHHHH_` becomes `_x005F_`.

    The inverse of unescape_text, for every string (control characters are escaped
    by the XML writers, after this).
    """
    if "_x" not in text:
        return text
    return _ESCAPE_START.sub("_x005F_", text)


def unescape_text(text: str) -> str:
    """Undo the `_xHHHH_` escapes Excel (and xlsxwriter) write, as Excel reads them: one
    left-to-right pass, each `_xHHHH_` the character HHHH (`_x005F_` an underscore).
    """
    if "_x" not in text:
        return text
    return _EXCEL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def read_rows(source: Source) -> tuple[Iterator[tuple[Any, ...]], dict[str, Any] | None]:
    """The users sheet's rows (header first; none in an empty workbook) and bulkedit's recorded type info, if any.

    The users sheet is the visible sheet named `users`, else the first with a header row
    (xlsxread.users_sheet_rows). A workbook without bulkedit's type sheet may be Auth0's
    escaped CSV export saved as XLSX by a spreadsheet, its text cells still prefixed with
    `'`: `source.auth0_escaped` says so, decided by its first rows as for a CSV.
    """
    rows, meta = _read_rows(source)
    source.auth0_escaped = False
    if meta is None:
        from bulkedit.io.read.sniff import ESCAPED_SAMPLE_ROWS, looks_auth0_escaped

        head = list(itertools.islice(rows, ESCAPED_SAMPLE_ROWS + 1))  # the header and the rows that decide
        source.auth0_escaped = bool(head) and looks_auth0_escaped(head[0], head[1:])
        rows = itertools.chain(head, rows)
    return rows, meta


def _read_rows(source: Source) -> tuple[Iterator[tuple[Any, ...]], dict[str, Any] | None]:
    """read_rows' rows and type info: a streaming expat reader (bulkedit.io.xlsxread) does the
    work; a workbook it does not understand is read again through openpyxl."""
    from bulkedit.io.xlsxread import Malformed, UncomputedFormula, Workbook, XlsxError

    workbook: Any = _decompressed(source) if source.compressed else source.path
    try:
        book = Workbook(workbook)
        try:
            meta_ref = next((s for s in book.sheets if s.name == tabular.META_SHEET), None)
            meta = _meta_from_rows(book.rows(meta_ref)) if meta_ref is not None else None
            sheets = [s for s in book.sheets if s.name != tabular.META_SHEET and s.state == "visible"]
            if not sheets:
                raise InputError("the workbook has no visible sheet", where=str(source.path))
            first = users_sheet_rows(sheets, lambda s: s.name, book.rows, USERS_SHEET)
        except BaseException:
            book.close()
            raise
    except (XlsxError, KeyError, OSError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        if isinstance(exc, UncomputedFormula):
            raise _uncomputed(source, exc) from None
        if isinstance(exc, Malformed):  # damaged or hostile: openpyxl would only take longer to fail
            raise _malformed(source, exc) from None
        return _read_rows_openpyxl(source, workbook)

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            if first is not None:
                yield from _counted(source, first, lambda: book.read_fraction)
        except UncomputedFormula as exc:
            raise _uncomputed(source, exc) from None
        except XlsxError as exc:
            raise _malformed(source, exc) from None
        finally:
            book.close()

    return rows(), meta


def _decompressed(source: Source) -> IO[bytes]:
    """A gzip-compressed workbook, decompressed into an anonymous temporary file (a zip needs seeking)."""
    tmp = tempfile.TemporaryFile()  # noqa: SIM115 - deleted when closed or collected with the reader
    with source.open_binary() as f:
        shutil.copyfileobj(f, tmp, 1 << 20)
    tmp.seek(0)
    return tmp


def _counted(source: Source, rows: Iterable[tuple[Any, ...]], fraction: Callable[[], float]) -> Iterator[tuple[Any, ...]]:
    """The rows, their `_xHHHH_` escapes undone; `source.bytes_read` follows how much of the
    sheet is read (`fraction`, 0 to 1) as that share of the file's bytes, so a progress bar whose
    total is the file's size (every command's) moves with the rows and ends full."""
    size = source.size
    for row in rows:
        source.bytes_read = int(size * fraction())
        if any(type(c) is str and "_x" in c for c in row):
            row = tuple(unescape_text(c) if type(c) is str else c for c in row)
        yield row
    source.bytes_read = size


def _malformed(source: Source, exc: Exception) -> InputError:
    return InputError(
        f"not a readable XLSX workbook: {exc}",
        where=str(source.path),
        hint="open it in a spreadsheet and save it again as .xlsx (or, for a zip of other files, unzip it)",
    )


def _uncomputed(source: Source, exc: Exception) -> InputError:
    return InputError(
        str(exc),
        where=str(source.path),
        hint="type the value itself (a leading ' keeps text starting with = as text), "
        "or open and save the file in Excel or LibreOffice so the result is stored",
    )


def _read_rows_openpyxl(source: Source, workbook: Any) -> tuple[Iterator[tuple[Any, ...]], dict[str, Any] | None]:
    """read_rows through openpyxl (what load_workbook does, but with the shared strings as stored)."""
    from openpyxl.reader.excel import ExcelReader

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if not isinstance(workbook, Path):
                workbook.seek(0)
            reader = ExcelReader(workbook, read_only=True, data_only=True)
            reader.read_strings = lambda: _raw_shared_strings(reader)
            reader.read()
            wb = reader.wb
    except Exception as exc:  # noqa: BLE001 - openpyxl's errors (InvalidFileException, IndexError, ...) all mean one thing here
        raise InputError(
            f"not a readable XLSX workbook ({type(exc).__name__}: {exc})",
            where=str(source.path),
            hint="open it in a spreadsheet and save it again as .xlsx",
        ) from None
    meta = _meta_from_rows(wb[tabular.META_SHEET].iter_rows(values_only=True)) if tabular.META_SHEET in wb.sheetnames else None
    sheets = [ws for ws in wb.worksheets if ws.title != tabular.META_SHEET and getattr(ws, "sheet_state", "visible") == "visible"]
    if not sheets:
        raise InputError("the workbook has no visible sheet", where=str(source.path))
    done = rows_in_sheet = 0  # rows read, of the sheet's declared `max_row` (openpyxl reads it from <dimension>)

    def sheet_rows(ws: Any) -> Iterator[tuple[Any, ...]]:
        nonlocal done, rows_in_sheet
        rows_in_sheet, done = ws.max_row or 0, 0
        for row in ws.iter_rows(values_only=True):
            done += 1
            yield row

    first = users_sheet_rows(sheets, lambda ws: ws.title, sheet_rows, USERS_SHEET)

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            if first is not None:
                yield from _counted(source, first, lambda: min(done / max(rows_in_sheet, 1), 1.0))
        except Exception as exc:  # noqa: BLE001 - see above
            raise _malformed(source, exc) from None
        finally:
            wb.close()

    return rows(), meta


def _raw_shared_strings(reader: Any) -> None:
    """openpyxl's shared strings with their `_xHHHH_` escapes left as stored, for _counted to undo.

    openpyxl's own table drops every `x005F_` (so a stored `_x005F_x0041_`, the text
    `_x0041_`, becomes `_x0041_`, read on as `A`, and `ax005F_b` loses text); its inline
    strings it leaves escaped. Read both the same way.
    """
    from openpyxl.cell.text import Text
    from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    strings: list[str] = []
    part = reader.package.find(SHARED_STRINGS)
    if part is not None:
        tag = f"{{{SHEET_MAIN_NS}}}si"
        with reader.archive.open(part.PartName[1:]) as src:
            for _, node in iterparse(src):
                if node.tag == tag:
                    strings.append(Text.from_tree(node).content)
                    node.clear()
    reader.shared_strings = strings


def _meta_from_rows(meta_rows: Iterable[tuple[Any, ...]]) -> dict[str, Any]:
    columns: list[dict[str, str]] = []
    meta: dict[str, Any] = {}
    for row in meta_rows:
        if not row or row[0] is None:
            continue
        row = tuple(unescape_text(c) if type(c) is str else c for c in row)
        key = str(row[0])
        if key == "column" and len(row) >= 3:
            columns.append({"name": str(row[1]), "type": str(row[2])})
        elif key not in ("column", "key") and len(row) >= 2:
            value = row[1]
            if isinstance(value, str) and value[:1] in "[{":
                with contextlib.suppress(jsonio.JSONError):
                    value = jsonio.loads_exact(value)
            meta[key] = value
    meta["columns"] = columns
    for col in columns:
        if col["type"] not in tabular.KINDS:
            raise InputError(f"hidden sheet {tabular.META_SHEET!r} names an unknown column type {col['type']!r}")
    return meta


def write_workbook(
    path: Path,
    columns: tabular.ColumnSet,
    rows: Iterable[list[Any]],
    meta: dict[str, Any],
    *,
    decorate: Any = None,
) -> None:
    """Write users (already flattened to `columns`) to `path` as XLSX made for editing.

    The sheet: header row frozen, key and export-only columns locked and grey
    (sheet protection without a password, so locked cells cannot be edited by
    accident), every other cell unlocked; strings as text cells (`@`), booleans
    with a TRUE/FALSE drop-down, a filter on the header.

    How: xlsxwriter writes the workbook around the data (styles, column formats,
    protection, validation, the hidden type sheet) with the header row only, and
    the data rows are streamed into that sheet's XML here, one string per row,
    each cell pointing at its column's shared format. Per-cell objects were the
    whole cost: openpyxl took ~40 s for 100k users, xlsxwriter's cell API ~20 s.
    Strings are inline strings, written as xlsxwriter would (`_xHHHH_` escaped).
    `decorate(workbook, sheet, columns)` may add more sheet furniture.
    """
    import xlsxwriter

    headers = columns.headers()
    kinds = list(columns.kinds.values())
    paths = columns.paths
    ncols = len(headers)
    last_col = column_letters(max(ncols, 1))
    skeleton = path.with_name(path.name + ".skeleton")
    spool = path.with_name(path.name + ".rows")
    try:
        wb = xlsxwriter.Workbook(
            str(skeleton),
            {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
        )
        ws = wb.add_worksheet(USERS_SHEET)
        grey = "#D9D9D9"
        f_head = wb.add_format({"bold": True, "locked": True, "bg_color": "#BDD7EE", "num_format": "@", "bottom": 1})
        f_head_locked = wb.add_format({"bold": True, "locked": True, "bg_color": grey, "num_format": "@", "bottom": 1})
        f_text = wb.add_format({"locked": False, "num_format": "@"})
        f_text_locked = wb.add_format({"locked": True, "num_format": "@", "bg_color": grey})
        f_any = wb.add_format({"locked": False})
        f_any_locked = wb.add_format({"locked": True, "bg_color": grey})
        formats = {(True, True): f_text_locked, (True, False): f_text, (False, True): f_any_locked, (False, False): f_any}
        for c, (h, p, kind) in enumerate(zip(headers, paths, kinds, strict=True)):
            locked = tabular.is_locked(p)
            fmt = formats[(kind in (tabular.STRING, tabular.JSON), locked)]
            width = min(max(len(h) + 2, 12 if kind == tabular.BOOLEAN else 18), 40)
            ws.set_column(c, c, width, fmt)
            ws.write_string(0, c, h, f_head_locked if locked else f_head)
        ws.freeze_panes(1, 1 if ncols > 1 else 0)
        for c, kind in enumerate(kinds):
            if kind == tabular.BOOLEAN and not tabular.is_locked(paths[c]):
                ws.data_validation(
                    1, c, 1048575, c,
                    {"validate": "list", "source": ["TRUE", "FALSE"], "error_title": "true or false",
                     "error_message": "This column holds true/false: choose TRUE or FALSE, or leave the cell empty."},
                )
        if ncols:
            ws.autofilter(0, 0, 1, ncols - 1)  # the real last row is put in below
        ws.protect(
            "",
            {
                "objects": True, "scenarios": True, "format_cells": True, "format_columns": True,
                "format_rows": True, "insert_rows": True, "delete_rows": True, "sort": True,
                "autofilter": True, "select_locked_cells": True, "select_unlocked_cells": True,
            },
        )
        if decorate is not None:
            decorate(wb, ws, columns)
        meta_ws = wb.add_worksheet(tabular.META_SHEET)
        meta_ws.hide()
        meta_ws.write_string(0, 0, "key")
        meta_ws.write_string(0, 1, "value")
        r = 0
        for key, value in meta.items():
            r += 1
            text = value if isinstance(value, str) else jsonio.dumps(value).decode()
            meta_ws.write_string(r, 0, key)
            meta_ws.write_string(r, 1, text)
        for col in columns.to_meta():
            r += 1
            meta_ws.write_string(r, 0, "column")
            meta_ws.write_string(r, 1, col["name"])
            meta_ws.write_string(r, 2, col["type"])
        wb.close()
        strings: list[str] = wb.str_table.string_array  # the header's and the type sheet's texts, in index order
        with zipfile.ZipFile(skeleton) as skel:
            sheet_xml = skel.read("xl/worksheets/sheet1.xml").decode("utf-8").replace("<sheetData/>", "<sheetData></sheetData>")
            styles = _column_styles(sheet_xml, ncols)
            last_row = _spool_rows(spool, rows, kinds, headers, styles) + 1
            cut = sheet_xml.index("</sheetData>")
            head, tail = sheet_xml[:cut], sheet_xml[cut:]
            head = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{last_col}{last_row}"/>', head, count=1)
            tail = tail.replace(f'<autoFilter ref="A1:{last_col}2"/>', f'<autoFilter ref="A1:{last_col}{last_row}"/>', 1)
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as out:
                for info in skel.infolist():
                    data = skel.read(info.filename)
                    if info.filename == "xl/worksheets/sheet1.xml":
                        with out.open(_entry(info), "w", force_zip64=True) as dst, open(spool, "rb") as src:
                            dst.write(head.encode("utf-8"))
                            while block := src.read(1 << 20):
                                dst.write(block)
                            dst.write(tail.encode("utf-8"))
                        continue
                    if info.filename == "xl/sharedStrings.xml":
                        data = _shared_strings(data, strings)
                    elif info.filename == "xl/workbook.xml":
                        data = data.replace(f"$A$1:${last_col}$2<".encode(), f"$A$1:${last_col}${last_row}<".encode(), 1)
                    out.writestr(_entry(info), data)
    finally:
        for tmp in (skeleton, spool):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def _entry(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


_SI_TEXT = re.compile(rb"(<si><t[^>]*>)(.*?)(</t></si>)", re.S)


def _shared_strings(data: bytes, strings: list[str]) -> bytes:
    """xlsxwriter's shared-string part with each text escaped as Excel does.

    xlsxwriter escapes `_xHHHH_` by one non-overlapping pass, which misses the second
    of two that share an underscore (`_x005F_x0041_`, a metadata key or value in the
    header or the type sheet); each `<si>` is written again from the string itself.
    """
    if not any("_x" in s for s in strings):
        return data
    texts = iter(strings)
    out = _SI_TEXT.sub(lambda m: m.group(1) + _xml_text(next(texts)).encode("utf-8") + m.group(3), data)
    if next(texts, None) is not None:
        raise RuntimeError("xlsxwriter's shared strings do not match the strings written")
    return out


def _column_styles(sheet_xml: str, ncols: int) -> list[str]:
    """Each column's format index, from the `<col min max style>` entries xlsxwriter wrote."""
    styles = ["0"] * ncols
    for m in re.finditer(r'<col min="(\d+)" max="(\d+)"[^>]*?style="(\d+)"', sheet_xml):
        for c in range(int(m.group(1)) - 1, min(int(m.group(2)), ncols)):
            styles[c] = m.group(3)
    return styles


_XML_ESCAPE = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Text for an XML text node, with Excel's `_xHHHH_` escapes for what XML cannot carry."""
    if _XML_ESCAPE.search(text) is None:
        return text
    text = escape_text(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    return _XML_UNSAFE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def _spool_rows(spool: Path, rows: Iterable[list[Any]], kinds: list[str], headers: list[str], styles: list[str]) -> int:
    """Write the data rows' XML to `spool`; the number of rows."""
    encode = tabular.encode_xlsx
    letters = [column_letters(i + 1) for i in range(len(kinds))]
    cols = list(zip(letters, styles, kinds, strict=True))
    n = 0
    with open(spool, "w", encoding="utf-8", buffering=1 << 20) as f:
        write = f.write
        for values in rows:
            n += 1
            if n > MAX_ROWS:
                raise InputError(
                    f"more than {MAX_ROWS:,} users: a spreadsheet sheet holds at most {MAX_ROWS + 1:,} rows",
                    hint="write a CSV (-o users.csv), or convert part of the users at a time",
                )
            rn = str(n + 1)
            parts = [f'<row r="{rn}">']
            add = parts.append
            for (letter, style, kind), value in zip(cols, values, strict=True):
                if value is MISSING:
                    continue  # an absent cell takes its column's format (unlocked, text)
                cell = encode(value, kind)
                t = type(cell)
                if t is str:
                    if len(cell) > 32767:
                        raise InputError(
                            f"column {headers[cols.index((letter, style, kind))]!r} of user {n} holds {len(cell):,}"
                            " characters, more than a spreadsheet cell can hold (32,767)",
                            hint="edit this file as NDJSON or CSV, or leave the column out with --columns",
                        )
                    add(f'<c r="{letter}{rn}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(cell)}</t></is></c>')
                elif t is bool:
                    add(f'<c r="{letter}{rn}" s="{style}" t="b"><v>{1 if cell else 0}</v></c>')
                else:
                    add(f'<c r="{letter}{rn}" s="{style}"><v>{cell!r}</v></c>')
            add("</row>")
            write("".join(parts))
    return n
