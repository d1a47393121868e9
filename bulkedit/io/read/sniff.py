"""Sniffing a CSV's head: its delimiter, and whether it is Auth0's escaped export (strings prefixed with `'`)."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Sequence
from typing import Any

from bulkedit.io.read.names import default_target


def sniff_delimiter(head: str) -> str:
    first = head.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


#: Cells that are not strings in Auth0's export, in any case, quoted or not: booleans, null,
#: numbers (also with a decimal comma), ISO dates and the dates a spreadsheet rewrites them to.
_NOT_TEXT = re.compile(
    r"(?i:true|false|null)"
    r"|[-+]?[0-9]+([.,][0-9]+)*([eE][-+]?[0-9]+)?"
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:.]+(Z|[-+][0-9:]+)?)?"
    r"|[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}( [0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?( ?[AaPp][Mm])?)?"
)
#: Data rows that decide whether a CSV (or a workbook) is Auth0's escaped export.
ESCAPED_SAMPLE_ROWS = 50


def head_looks_auth0_escaped(head: str, delimiter: str) -> bool:
    """Auth0's CSV export wraps each string in quotes and prefixes it with `'` (see `looks_auth0_escaped`)."""
    end = head.rfind("\n")
    if end < 0:
        return False
    reader = csv.reader(io.StringIO(head[: end + 1]), delimiter=delimiter)
    header = next(reader, None) or []
    try:
        return looks_auth0_escaped(header, reader)
    except csv.Error:
        return False


def looks_auth0_escaped(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bool:
    """Whether the rows under `header` are Auth0's escaped export: each string prefixed with `'`.

    Decided by the first sampled data rows. When the file has a user_id or email column (under
    any name that maps to them), those columns decide: Auth0 always exports them as
    strings, so more than half of their cells carry the `'` whatever columns a person
    added beside them, and whatever new users (typed without it) they added below.
    Otherwise: escaped when more than half of the string cells start with `'`. In both,
    a cell starting with `'` counts whether quoted or bare (a spreadsheet re-save drops
    the quotes); empty cells, booleans, null, numbers and dates
    count for neither side, in any case and quoted or not: whether Auth0 quotes them is
    undocumented, and a spreadsheet writes `TRUE` and its own dates. So does a cell that is
    not text (an XLSX number, boolean or date: Auth0's CSV saved as a workbook). A plain file
    with a few `'` cells among its text is plain.
    """
    ids = {i for i, name in enumerate(header) if default_target(str(name).lstrip("\ufeff")) in (("user_id",), ("email",))}
    text = prefixed = id_text = id_prefixed = 0
    not_text = _NOT_TEXT.fullmatch
    for cells in itertools.islice(rows, ESCAPED_SAMPLE_ROWS):
        for i, cell in enumerate(cells):
            if type(cell) is not str:
                continue
            if cell.startswith("'"):
                hit = 1
            elif cell and not not_text(cell.strip()):
                hit = 0
            else:
                continue
            text += 1
            prefixed += hit
            if i in ids:
                id_text += 1
                id_prefixed += hit
    if id_text:
        return id_prefixed * 2 > id_text
    return prefixed * 2 > text


def needless_quotes(head: str, delimiter: str) -> bool:
    """Some `'`-prefixed cell is quoted though it needs no quotes: Auth0's escaping, not a minimal CSV writer's."""
    special = (delimiter, '"', "\r", "\n")
    return any(c.startswith("'") and not any(ch in c for ch in special) for c in _quoted_cells(head, delimiter))


def _quoted_cells(text: str, delimiter: str) -> set[str]:
    """The contents of the cells of `text` written in double quotes (quotes undone)."""
    pattern = rf'(?:^|(?<=[{re.escape(delimiter)}\n]))"((?:[^"]|"")*)"'
    return {m.group(1).replace('""', '"') for m in re.finditer(pattern, text)}
