"""Users as rows: flatten to dotted columns, and cells typed so reading back is exact.

Each column has one kind, recorded beside the data (a sidecar for CSV, a hidden
sheet for XLSX):

- `string`: the cell holds the string itself; an empty cell is an absent field.
  A column gets this kind only when no user has an empty string there (so empty
  can only mean absent).
- `boolean`, `integer`, `number`: `true`/`false`, decimal digits, a float.
- `json`: the cell holds compact JSON (`"abc"`, `null`, `[1,2]`, `{}`); used for
  lists, nulls, empty objects, empty strings and columns whose types differ
  between users. An empty cell is still an absent field.

Objects are flattened into dotted columns; lists stay whole as JSON cells (a
spreadsheet cannot add a list item as a column). Strings starting with a
character a spreadsheet would run as a formula (`= + - @`, tab, CR) or with
`'` get one leading `'`, which the reader removes again.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from bulkedit import fields
from bulkedit.io import jsonio
from bulkedit.paths import MISSING, Path, format_path, iter_leaves

STRING: Final = "string"
BOOLEAN: Final = "boolean"
INTEGER: Final = "integer"
NUMBER: Final = "number"
JSON: Final = "json"
KINDS: Final = (STRING, BOOLEAN, INTEGER, NUMBER, JSON)

FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r", "'")
XLSX_SAFE_INT: Final = 10**15  # Excel keeps 15 significant digits
SIDECAR_SUFFIX: Final = ".bulkedit.json"


def sidecar_path(path: str | os.PathLike[str]) -> pathlib.Path:
    """Where a CSV's column types are kept: `<file>.bulkedit.json` beside it."""
    path = pathlib.Path(path)
    return path.with_name(path.name + SIDECAR_SUFFIX)
META_SHEET: Final = "_bulkedit"

#: Top-level fields whose cells must not be edited in a sheet.
LOCKED_ROOTS: Final = fields.FORBIDDEN_FIELDS | fields.EXPORT_ONLY_FIELDS


def is_locked(path: Path) -> bool:
    """True for a column a person must not edit (key, connection, blocked, export-only)."""
    return bool(path) and isinstance(path[0], str) and path[0] in LOCKED_ROOTS


def neutralise(text: str) -> str:
    """Prefix `'` so a spreadsheet shows the text instead of running it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def unneutralise(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def _kind_of(value: Any, *, xlsx: bool) -> str:
    t = type(value)
    if t is str:
        if value == "":
            return JSON
        if xlsx and _needs_json_in_xlsx(value):
            return JSON
        if not xlsx and _has_control_chars(value, "\t\n\r"):
            return JSON  # a NUL or other control character would make the CSV look binary
        return STRING
    if t is bool:
        return BOOLEAN
    if t is int:
        return INTEGER if not xlsx or -XLSX_SAFE_INT < value < XLSX_SAFE_INT else JSON
    if t is float:
        # Excel keeps 15 significant digits: a float that needs more travels as JSON text.
        return NUMBER if not xlsx or float(f"{value:.15g}") == value else JSON
    return JSON


def _needs_json_in_xlsx(text: str) -> bool:
    # XML cannot carry these control characters, XML parsers fold CR into LF,
    # and a cell holds at most 32,767 characters.
    if len(text) > 32767 or "\r" in text:
        return True
    return _has_control_chars(text, "\t\n") or "\ufffe" in text or "\uffff" in text


def _has_control_chars(text: str, allowed: str) -> bool:
    return not text.isprintable() and any(ord(c) < 32 and c not in allowed for c in text)


@dataclass
class ColumnSet:
    """The columns of a set of users, in order of first appearance, each with its kind."""

    xlsx: bool = False
    kinds: dict[Path, str] = field(default_factory=dict)
    #: the users' top-level key order, when the columns were put in another order (a
    #: sheet's key columns first): recorded, so that reading restores it
    key_order: list[str] = field(default_factory=list)
    #: how many users have each top-level key list (few distinct ones in an export)
    key_lists: dict[tuple[str, ...], int] = field(default_factory=dict)

    @classmethod
    def of(cls, records: Iterable[Any], *, xlsx: bool) -> ColumnSet:
        """The columns of the users of `records` (anything with a `.user`)."""
        columns = cls(xlsx=xlsx)
        for rec in records:
            columns.add_user(rec.user)
        return columns

    def add_user(self, user: dict[str, Any]) -> None:
        keys = tuple(user)
        self.key_lists[keys] = self.key_lists.get(keys, 0) + 1
        kinds = self.kinds
        for path, value in iter_leaves(user, into_lists=False):
            kind = _kind_of(value, xlsx=self.xlsx)
            old = kinds.get(path)
            if old is None:
                kinds[path] = kind
            elif old != kind:
                kinds[path] = JSON

    def usual_key_order(self) -> list[str]:
        """The top-level keys in the order users have them: by their mean relative place in
        the users' key lists (so one first user of an unusual shape does not decide), ties
        in order of first appearance."""
        first = list(dict.fromkeys(str(p[0]) for p in self.kinds if p))
        place: dict[str, float] = {}
        weight: dict[str, int] = {}
        for keys, count in self.key_lists.items():
            for i, k in enumerate(keys):
                place[k] = place.get(k, 0.0) + count * (i + 1) / (len(keys) + 1)
                weight[k] = weight.get(k, 0) + count
        index = {k: i for i, k in enumerate(first)}
        return sorted(first, key=lambda k: (place.get(k, 0.0) / weight[k] if k in weight else 1.0, index[k]))

    @property
    def paths(self) -> list[Path]:
        return list(self.kinds)

    def headers(self) -> list[str]:
        return [format_path(p) for p in self.kinds]

    def to_meta(self) -> list[dict[str, str]]:
        return [{"name": format_path(p), "type": k} for p, k in self.kinds.items()]


def encode_text(value: Any, kind: str) -> str:
    """A cell's text (CSV) for a value of a column of `kind`; MISSING gives ''."""
    if value is MISSING:
        return ""
    if kind == STRING:
        return neutralise(value)
    if kind == BOOLEAN:
        return "true" if value else "false"
    if kind in (INTEGER, NUMBER):
        return repr(value)
    return jsonio.dumps(value).decode("utf-8")


def encode_xlsx(value: Any, kind: str) -> Any:
    """A cell's value (XLSX) for a value of a column of `kind`; MISSING gives None.

    Strings are written as text cells by the writer, so they need no `'` guard.
    """
    if value is MISSING:
        return None
    if kind in (STRING, BOOLEAN, INTEGER, NUMBER):
        return value
    return jsonio.dumps(value).decode("utf-8")


class CellError(ValueError):
    """A cell whose content does not fit its column's recorded type."""


_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def decode_cell(cell: Any, kind: str, *, guarded: bool = True) -> Any:
    """The JSON value a cell holds; MISSING for an empty cell.

    `guarded`: string cells carry the `'` formula guard (CSV); XLSX text cells do not.
    """
    if cell is None or cell == "":
        return MISSING
    if kind == STRING:
        if type(cell) is not str:
            return scalar_text(cell)
        return unneutralise(cell) if guarded else cell
    if kind == BOOLEAN:
        if type(cell) is bool:
            return cell
        text = str(cell).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise CellError(f"{cell!r} is not a boolean (true/false)")
    if kind == INTEGER:
        if type(cell) is int:
            return cell
        if type(cell) is float and cell.is_integer() and abs(cell) < XLSX_SAFE_INT:
            return int(cell)
        try:
            return int(str(cell).strip())
        except ValueError:
            raise CellError(f"{cell!r} is not an integer") from None
    if kind == NUMBER:
        if type(cell) in (int, float):
            return float(cell)
        try:
            return float(str(cell).strip())
        except ValueError:
            raise CellError(f"{cell!r} is not a number") from None
    text = cell if type(cell) is str else scalar_text(cell)
    try:
        return jsonio.loads_exact(text)
    except jsonio.JSONError as exc:
        raise CellError(f"{text[:60]!r} is not JSON ({exc.msg})") from None


def scalar_text(cell: Any) -> str:
    """The text of a spreadsheet's number, boolean or date cell (`15551234567`, `true`, an ISO date)."""
    if type(cell) is bool:
        return "true" if cell else "false"
    if type(cell) is float and cell.is_integer():
        return str(int(cell))
    if hasattr(cell, "isoformat"):
        return str(cell.isoformat())
    return str(cell)


def flatten_row(user: dict[str, Any], paths: Iterable[Path]) -> list[Any]:
    """The user's leaf value for each column path (MISSING where the user has no such leaf)."""
    leaves = dict(iter_leaves(user, into_lists=False))
    return [leaves.get(p, MISSING) for p in paths]
