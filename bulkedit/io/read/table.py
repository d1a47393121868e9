"""Rows of a CSV or XLSX into users: the header's columns, their recorded or inferred types, table refusals."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from bulkedit.io import detect as fmt
from bulkedit.io import jsonio, tabular
from bulkedit.io.read.base import Column, Record
from bulkedit.io.read.evidence import (
    DIGITS,
    INTEGER,
    KNOWN_TYPES,
    NUMBER,
    TYPED_SAMPLE_ROWS,
    json_columns,
    typed_layout_evidence,
)
from bulkedit.io.read.names import KeyNames, is_user_field
from bulkedit.paths import MISSING, PathConflict, PathError, format_path, parse_path, set_path


class TableReader(KeyNames):
    """What CSV and XLSX reading share: columns from the header, a user from each row."""

    def _table_records(self, rows: Iterator[tuple[int, list[Any]]], *, guarded: bool) -> Iterator[Record]:
        """The users of CSV/XLSX rows, once the rows show the file is not a typed sheet without its types."""
        if not self.typed:
            sample = list(itertools.islice(rows, TYPED_SAMPLE_ROWS))
            self._refuse_untyped_sheet(sample)
            for i in json_columns(self.columns, sample):
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
        hit = typed_layout_evidence(self.columns, sample)
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
        if not any(is_user_field(c.path) for c in cols):
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
        known = KNOWN_TYPES.get(col.path)
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
        elif known == "integer" and DIGITS.fullmatch(cell.strip()):
            return int(cell)
        if self.auth0_escaped:
            # Auth0 prefixes every string; what is left is a date, a number or a boolean (TRUE after a re-save).
            if len(cell) <= 5 and cell.lower() in ("true", "false"):
                return cell.lower() == "true"
            if cell == "null":
                return None
            if INTEGER.fullmatch(cell):
                return int(cell)
            if NUMBER.fullmatch(cell):
                return float(cell)
        return cell


def auth0_date(value: datetime) -> str:
    """A spreadsheet's date as Auth0 writes dates (`2022-04-26T00:07:05.098Z`; a naive one is taken as UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _some(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
