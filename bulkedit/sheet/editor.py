"""The editor `edit --sheet` runs: each backup user's row compared cell by cell, damage accepted, kept or refused.

Only cells that differ from what `convert` wrote for the user become changes, typed by the column's
recorded type; an untouched user is returned as is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bulkedit.edit.apply import EditorNotes, EditProblems
from bulkedit.edit.guards import check_user
from bulkedit.edit.result import Notice
from bulkedit.edit.values import Conflict, assoc, dissoc, same
from bulkedit.io import tabular
from bulkedit.io.read.table import auth0_date
from bulkedit.paths import MISSING, PathConflict, set_path
from bulkedit.paths import Path as FieldPath
from bulkedit.sheet import damage
from bulkedit.sheet.damage import Damage, check_cell
from bulkedit.sheet.read import Sheet, SheetRow, column_name, key_value


def _kind_of(value: Any) -> str:
    t = type(value)
    if t is str:
        return tabular.STRING if value else tabular.JSON
    if t is bool:
        return tabular.BOOLEAN
    if t is int:
        return tabular.INTEGER
    if t is float:
        return tabular.NUMBER
    return tabular.JSON


@dataclass
class _Col:
    index: int
    name: str
    path: FieldPath
    kind: str | None


@dataclass
class SheetEditor:
    """An editor for bulkedit.edit.apply: each backup user's row of the sheet, cell by cell."""

    sheet: Sheet
    key: str
    accept: frozenset[str]
    keep_damaged: bool = False
    new_users: list[dict[str, Any]] = field(default_factory=list)
    missing_rows: int = 0
    warnings: list[Notice] = field(default_factory=list)
    _cols: list[_Col] = field(default_factory=list)
    _accepted: dict[tuple[int, str], Damage] = field(default_factory=dict)
    _seen_missing: set[str] = field(default_factory=set)
    _text_in_json: dict[tuple[int, str], Notice] = field(default_factory=dict)
    _email_case: dict[int, Notice] = field(default_factory=dict)
    _refused_codes: set[str] = field(default_factory=set)
    _kept: dict[tuple[int, str], Damage] = field(default_factory=dict)

    def __post_init__(self) -> None:
        recorded = self.sheet.recorded_columns()
        self._cols = [
            # a column the type record does not name (one a person added) has no type of its own
            _Col(i, name, c.path, c.kind if recorded is None or name in recorded else None)
            for i, c in enumerate(self.sheet.columns)
            if c.path
            for name in (column_name(c),)
        ]
        self._xlsx = self.sheet.xlsx
        # under --key email the email cell is the key, matched case-insensitively as Auth0 stores emails lower-case
        self._email_key = next((c for c in self._cols if c.path == ("email",)), None) if self.key == "email" else None
        self._paths = [c.path for c in self._cols]
        self._typed = self.sheet.typed

    def infer_kinds(self, columns: tabular.ColumnSet) -> None:
        """Type the columns of a sheet that lost its type record the way `convert` typed them for this backup."""
        for col in self._cols:
            if col.kind is None:
                col.kind = columns.kinds.get(col.path)

    # -- the editor protocol -----------------------------------------------------------

    def edit(self, user: dict[str, Any]) -> dict[str, Any] | None:
        k = key_value(user.get(self.key), self.key)
        hit = self.sheet.rows.get(k) if k is not None else None
        if hit is None:
            if k is not None and k not in self._seen_missing:
                self._seen_missing.add(k)
                self.missing_rows += 1
            return None
        return self.edit_row(user, hit)

    def extra(self) -> Iterator[dict[str, Any]]:
        yield from self.new_users

    def notes(self) -> EditorNotes:
        out = list(self.warnings)
        if self.missing_rows:
            out.append(
                Notice(
                    "sheet-rows-missing",
                    f"{self.missing_rows:,} users of the backup have no row in the sheet: they stay as they are"
                    " (deleting a row deletes nobody)",
                    where=str(self.sheet.path),
                )
            )
        out.extend(self._text_in_json.values())
        out.extend(self._email_case.values())
        if self._refused_codes:
            codes = ",".join(sorted(self._refused_codes))
            out.append(
                Notice(
                    "sheet-damage-refused",
                    "cells a spreadsheet changed were refused: keep the backup's values for them with --keep-damaged,"
                    f" or apply them as they are with --accept-damage {codes}",
                    str(self.sheet.path),
                )
            )
        for d in self._kept.values():
            out.append(
                Notice(f"kept-{d.code}", f"kept the backup's value: {d.message}", self.sheet.where(d.row), path=d.column)
            )
        for d in self._accepted.values():
            out.append(
                Notice(f"accepted-{d.code}", f"accepted damage: {d.message}", self.sheet.where(d.row), path=d.column)
            )
        return EditorNotes(
            warnings=tuple(out),
            refusal_hint="fix those cells in the sheet; cells a spreadsheet damaged keep the backup's values with"
            " --keep-damaged",
        )

    # -- one row -------------------------------------------------------------------

    def edit_row(self, user: dict[str, Any], hit: SheetRow) -> dict[str, Any] | None:
        cells = hit.cells
        ncells = len(cells)
        xlsx = self._xlsx
        new = user
        problems: list[Notice] = []
        escaped = self.sheet.auth0_escaped
        sheet_guarded = self.sheet.guarded
        typed = self._typed
        for col, old in zip(self._cols, tabular.flatten_row(user, self._paths), strict=True):
            cell = cells[col.index] if col.index < ncells else None
            kind = col.kind or (_kind_of(old) if old is not MISSING else tabular.STRING)
            guarded = sheet_guarded
            if escaped and type(cell) is str and cell[:1] == "'":
                # Auth0's escaped export: a leading ' marks a string in any column (see _unescaped)
                cell, kind, guarded = cell[1:], tabular.STRING, False
                if cell == old:
                    continue
            elif _unchanged(cell, old, kind, xlsx):
                continue
            if col is self._email_key and self._same_email(cell, old, hit.row, guarded):
                continue
            if not typed and _untyped_unchanged(cell, old, kind, xlsx):
                continue
            value = self._cell_value(cell, kind, old, hit.row, col, problems, guarded=guarded)
            if value is _SKIP:
                continue
            if value is MISSING and old is MISSING:
                continue
            if value is not MISSING and old is not MISSING and same(value, old):
                continue
            try:
                new = dissoc(new, col.path) if value is MISSING else assoc(new, col.path, value)
            except Conflict as exc:
                problems.append(
                    Notice("sheet-cell-conflict", f"column {col.name!r}: {exc}", self.sheet.where(hit.row), path=col.name)
                )
        if new is not user:
            # the edit issue's guards, named by the sheet's row (the engine would name the backup's line)
            refusals, _ = check_user(user, new)
            for g in refusals:
                problems.append(
                    Notice(g.code, f"{g.message} (sheet column {g.path!r})", self.sheet.where(hit.row), path=g.path, old=g.old, new=g.new)
                )
        if problems:
            raise EditProblems(problems)
        return None if new is user else new

    def _unescaped(self, cell: Any, kind: str) -> tuple[Any, str, bool]:
        """(cell, kind, guarded) to read `cell` by. In Auth0's escaped export a leading `'` marks a string in any
        column (the reader removes it), also in one the backup's mixed types make JSON."""
        if self.sheet.auth0_escaped and type(cell) is str and cell[:1] == "'":
            return cell[1:], tabular.STRING, False
        return cell, kind, self.sheet.guarded

    def _same_email(self, cell: Any, old: Any, row: int, guarded: bool) -> bool:
        """The email key cell names the backup's email in another case: no change (noted once per row)."""
        if type(cell) is not str or type(old) is not str:
            return False
        text = (tabular.unneutralise(cell) if guarded else cell).strip()
        if text.lower() != old.strip().lower():
            return False
        self._email_case[row] = Notice(
            "sheet-email-case",
            f"email {text!r} differs from the backup's {old!r} only in case: Auth0 stores emails lower-case,"
            " so it is the same user; the backup's value is kept",
            self.sheet.where(row),
            path="email",
        )
        return True

    def _cell_value(
        self, cell: Any, kind: str, old: Any, row: int, col: _Col, problems: list[Notice], *, guarded: bool
    ) -> Any:
        """The value `cell` gives the column (`guarded`: a text cell carries the `'` formula guard)."""
        if col.kind is None and old is MISSING and self._xlsx:
            # no type recorded and no value to keep: an XLSX boolean or date cell is what the person chose
            if type(cell) is bool:
                return cell
            if isinstance(cell, datetime):
                return auth0_date(cell)
        found = check_cell(cell, kind, old)
        if found is not None:
            code, message = found
            d = Damage(code, row, col.name, message, None if cell is None else str(cell), old)
            if code not in self.accept and self.keep_damaged and damage.CODES[code][0]:
                self._kept[(row, col.name)] = d
                return _SKIP
            if code not in self.accept:
                self._refused_codes.add(code)
                problems.append(
                    Notice(
                        code,
                        f"column {col.name!r}: {message}",
                        self.sheet.where(row),
                        path=col.name,
                        old=old,
                        new=cell if type(cell) in (str, int, float, bool) else str(cell),
                    )
                )
                return _SKIP
            self._accepted[(row, col.name)] = d
            if code == damage.BOOLEAN_CASE and kind == tabular.JSON:
                return str(cell).strip().lower() == "true"
            if code == damage.DECIMAL_COMMA:  # accepted: read it the way the spreadsheet's locale meant it
                cell = str(cell).strip().replace(".", "").replace(",", ".")
        try:
            return tabular.decode_cell(cell, kind, guarded=guarded)
        except tabular.CellError as exc:
            text = cell.strip() if type(cell) is str else None
            whole = damage.whole_number(text) if kind == tabular.INTEGER and text else None
            if whole is not None:  # 1E+05 in an integer column: the number 100000 in a spreadsheet's notation
                return whole
            if kind == tabular.JSON and text and text[0] not in '[{"' and not _JSONISH.fullmatch(text):
                # a JSON column holds mixed types (0 in one row, "trial" in another): plain words are text
                self._text_in_json[(row, col.name)] = Notice(
                    "sheet-text-in-json-column",
                    f"column {col.name!r} holds JSON; {cell!r} is not JSON and was taken as the text {cell!r}",
                    self.sheet.where(row),
                    path=col.name,
                )
                return cell
            problems.append(
                Notice(
                    "sheet-invalid-cell",
                    f"column {col.name!r} holds {kind} values: {exc}",
                    self.sheet.where(row),
                    path=col.name,
                    old=old,
                    new=cell if type(cell) in (str, int, float, bool) else str(cell),
                )
            )
            return _SKIP

    def build_new_user(self, hit: SheetRow) -> tuple[dict[str, Any], list[Notice]]:
        """A user made from a row no backup user matches (with --allow-new)."""
        problems: list[Notice] = []
        user: dict[str, Any] = {}
        for col in self._cols:
            cell = hit.cells[col.index] if col.index < len(hit.cells) else None
            kind = col.kind or tabular.STRING
            if cell is None or cell == "":
                continue
            cell, kind, guarded = self._unescaped(cell, kind)
            value = self._cell_value(cell, kind, MISSING, hit.row, col, problems, guarded=guarded)
            if value is _SKIP or value is MISSING:
                continue
            try:
                set_path(user, col.path, value)
            except PathConflict as exc:
                problems.append(Notice("sheet-cell-conflict", f"column {col.name!r}: {exc}", self.sheet.where(hit.row)))
        return user, problems


#: Cells of a JSON column that look like a mistyped JSON value rather than a word.
_JSONISH = re.compile(r"-?[0-9.][0-9.eE+-]*|true|false|null|TRUE|FALSE|NULL|True|False", re.ASCII)


class _Skip:
    pass


_SKIP = _Skip()


def _unchanged(cell: Any, old: Any, kind: str, xlsx: bool) -> bool:
    """True when `cell` is exactly what `convert` wrote for `old` (the fast path for untouched cells)."""
    if cell is None or cell == "":
        return old is MISSING
    if old is MISSING:
        return False
    if xlsx:
        enc = tabular.encode_xlsx(old, kind)
        return type(enc) is type(cell) and enc == cell
    return tabular.encode_text(old, kind) == cell


def _untyped_unchanged(cell: Any, old: Any, kind: str, xlsx: bool) -> bool:
    """True when `cell` of a sheet without a type record says `old`: it is either of convert's renderings
    of the value, or it is empty where the value is null (Auth0's CSV export writes null as an empty cell)."""
    if cell is None or cell == "":
        return old is None or old is MISSING
    return _unchanged(cell, old, tabular.JSON if kind != tabular.JSON else _kind_of(old), xlsx)
