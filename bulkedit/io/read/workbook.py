"""XLSX: the users sheet's rows (through io.xlsx) read as a table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bulkedit.errors import InputError
from bulkedit.io.read.base import Record
from bulkedit.io.read.table import TableReader


class XlsxReader(TableReader):
    """Reads a Source of an XLSX workbook's users sheet."""

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
