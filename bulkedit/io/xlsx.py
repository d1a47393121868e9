"""XLSX through openpyxl: read-only/write-only modes, text cells for strings, types in a hidden sheet.

defusedxml is installed with bulkedit, and openpyxl then parses the workbook's
XML through it (no entity expansion from a hostile file).
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bulkedit.errors import InputError
from bulkedit.io import jsonio, tabular

if TYPE_CHECKING:
    from bulkedit.io.read import Source

USERS_SHEET = "users"


def read_rows(source: Source) -> tuple[Iterator[tuple[Any, ...]], dict[str, Any] | None]:
    """The first visible sheet's rows (header first) and bulkedit's recorded type info, if any."""
    import openpyxl

    if source.compressed:
        raise InputError(
            "a gzip-compressed XLSX file is not supported", where=str(source.path), hint="decompress it first (gunzip)"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(source.path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise InputError(
            f"not a readable XLSX workbook ({type(exc).__name__}: {exc})",
            where=str(source.path),
            hint="open it in a spreadsheet and save it again as .xlsx",
        ) from None
    meta = _read_meta(wb)
    sheet = None
    for ws in wb.worksheets:
        if ws.title != tabular.META_SHEET and getattr(ws, "sheet_state", "visible") == "visible":
            sheet = ws
            break
    if sheet is None:
        raise InputError("the workbook has no visible sheet", where=str(source.path))

    def rows() -> Iterator[tuple[Any, ...]]:
        try:
            for row in sheet.iter_rows(values_only=True):
                source.bytes_read += 1
                yield row
        finally:
            wb.close()

    return rows(), meta


def _read_meta(wb: Any) -> dict[str, Any] | None:
    if tabular.META_SHEET not in wb.sheetnames:
        return None
    ws = wb[tabular.META_SHEET]
    columns: list[dict[str, str]] = []
    meta: dict[str, Any] = {}
    for row in ws.iter_rows(values_only=True):
        if not row or row[0] is None:
            continue
        key = str(row[0])
        if key == "column" and len(row) >= 3:
            columns.append({"name": str(row[1]), "type": str(row[2])})
        elif key not in ("column", "key") and len(row) >= 2:
            value = row[1]
            if isinstance(value, str) and value[:1] in "[{":
                try:
                    value = jsonio.loads_exact(value)
                except jsonio.JSONError:
                    pass
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
    """Write users (already flattened to `columns`) to `path` as XLSX, text cells for strings.

    `decorate(workbook, sheet, columns)` may add sheet furniture (freeze panes, validation).
    """
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(USERS_SHEET)
    if decorate is not None:
        decorate(wb, ws, columns)
    headers = columns.headers()
    ws.append([_text_cell(ws, h, WriteOnlyCell) for h in headers])
    kinds = list(columns.kinds.values())
    for values in rows:
        out: list[Any] = []
        for value, kind in zip(values, kinds):
            cell = tabular.encode_xlsx(value, kind)
            if type(cell) is str:
                out.append(_text_cell(ws, cell, WriteOnlyCell))
            else:
                out.append(cell)
        ws.append(out)
    meta_ws = wb.create_sheet(tabular.META_SHEET)
    meta_ws.sheet_state = "hidden"
    meta_ws.append(["key", "value"])
    for key, value in meta.items():
        text = value if isinstance(value, str) else jsonio.dumps(value).decode()
        meta_ws.append([key, _text_cell(meta_ws, text, WriteOnlyCell)])
    for col in columns.to_meta():
        meta_ws.append(["column", _text_cell(meta_ws, col["name"], WriteOnlyCell), col["type"]])
    wb.save(path)


def _text_cell(ws: Any, text: str, cell_cls: Any) -> Any:
    cell = cell_cls(ws, value=text)
    cell.data_type = "s"  # never a formula, whatever the text starts with
    cell.number_format = "@"
    return cell
