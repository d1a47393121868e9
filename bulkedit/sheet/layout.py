"""Which columns a sheet made for editing has, in which order, and which are read-only.

The key column comes first so a person sees whose row it is; `email` and the
connection follow. Columns a bulk import cannot change (keys, `blocked`,
export-only fields such as `identities` or `created_at`) are locked and grey in
XLSX (io.tabular.is_locked): editing them could only be refused or ignored later.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from bulkedit import fields
from bulkedit.errors import UsageError
from bulkedit.io import detect, tabular
from bulkedit.paths import Path, PathError, format_path, parse_path

if TYPE_CHECKING:
    from bulkedit.io.read import Source

#: Columns put first, in this order, when present.
LEADING: Final[tuple[Path, ...]] = (("user_id",), ("email",), fields.CONNECTION_PATH, ("identities",))

def parse_choice(text: str) -> list[Path]:
    """`--columns user_id,email,user_metadata.plan` -> paths (commas; spaces ignored)."""
    out: list[Path] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(parse_path(part))
        except PathError as exc:
            raise UsageError(f"--columns: malformed field path {part!r}: {exc}") from None
    if not out:
        raise UsageError("--columns names no field", hint="for example --columns user_id,email,user_metadata.plan")
    return out


def _under(path: Path, prefix: Path) -> bool:
    return path[: len(prefix)] == prefix


def arrange(columns: tabular.ColumnSet, choose: Iterable[Path] | None = None) -> tabular.ColumnSet:
    """The columns of a sheet for editing: key columns first, optionally only the chosen fields.

    A chosen path keeps every column under it (`user_metadata` keeps all of
    `user_metadata.*`); `user_id` and `email` are always kept so rows can be joined back.
    """
    kinds = columns.kinds
    paths = list(kinds)
    if choose is not None:
        chosen = list(choose)
        unknown = [c for c in chosen if not any(_under(p, c) or _under(c, p) for p in paths)]
        if unknown:
            names = ", ".join(format_path(c) for c in unknown)
            raise UsageError(
                f"--columns names fields no user has: {names}",
                hint=f"fields present: {', '.join(sorted({format_path(p[:1]) for p in paths}))}",
            )
        keep = [p for p in paths if any(_under(p, c) or _under(c, p) for c in chosen) or p in (("user_id",), ("email",))]
        paths = keep
    first = [p for lead in LEADING for p in paths if _under(p, lead)]
    seen = set(first)
    ordered = list(dict.fromkeys(first)) + [p for p in paths if p not in seen]
    kept = {str(p[0]) for p in paths if p}
    natural = [k for k in columns.usual_key_order() if k in kept]
    return tabular.ColumnSet(xlsx=columns.xlsx, kinds={p: kinds[p] for p in ordered}, key_order=natural)


def sheet_columns(source: Source, fmt: str, choose: str | None = None) -> tabular.ColumnSet:
    """Read `source` once for its columns and arrange them for editing (`choose`: --columns text)."""
    columns = tabular.ColumnSet.of(source.records(), xlsx=fmt == detect.XLSX)
    return arrange(columns, parse_choice(choose) if choose is not None else None)
