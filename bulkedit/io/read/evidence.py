"""What the cells of a CSV/XLSX without type information show: bulkedit's typed layout, columns of JSON."""

from __future__ import annotations

import re
from typing import Any

from bulkedit import fields
from bulkedit.io import jsonio
from bulkedit.io.read.base import Column
from bulkedit.paths import parse_path

#: fields.FIELD_TYPES by field path: the type a cell of a file without type information gets.
KNOWN_TYPES = {parse_path(name): kind for name, kind in fields.FIELD_TYPES.items()}
DIGITS = re.compile(r"-?[0-9]+")
INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")

#: Rows of a CSV/XLSX without type information looked at for bulkedit's typed layout.
TYPED_SAMPLE_ROWS = 1000
_JSON_SCALAR = re.compile(r"null|true|false|" + NUMBER.pattern)


def typed_layout_evidence(columns: list[Column], rows: list[tuple[int, list[Any]]]) -> tuple[str, int, str] | None:
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


def json_columns(columns: list[Column], rows: list[tuple[int, list[Any]]]) -> list[int]:
    """Columns of an untyped file read as JSON: a list or object among cells that are all JSON.

    Fields of a known type (`name`, `email_verified`, ...) are never among them.
    """
    out = []
    for i, col in enumerate(columns):
        if not col.path or col.path in KNOWN_TYPES:
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
