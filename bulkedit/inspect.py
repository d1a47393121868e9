"""`inspect`: what a user file holds — format, users, connections, fields and their types, duplicates.

One streaming pass; nothing but counters is kept per user except the email and
user_id sets needed to find duplicates. A large plain NDJSON file is split at
line boundaries and read by two processes (the machine's cores), because the
per-field walk costs about twice the JSON parse itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

from bulkedit import fields
from bulkedit.io import detect as fmt
from bulkedit.io.read import BLOCK, Source, split_points
from bulkedit.paths import format_path

PARALLEL_MIN_BYTES = 64 << 20

_TYPE_NAMES = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null", dict: "object", list: "array"}

# A field tree: key -> [ {python type: count}, children tree ]; list items live under the key "[]".
Tree = dict[str, list[Any]]


_FLUSH_EVERY = 65536


@dataclass
class _Tally:
    """Per-field counts (a tree of Python counters) and the per-user keys (a polars table).

    The keys (lower-cased email, user_id, connection) are what really is tabular:
    they are kept as compact Arrow columns, flushed from small Python lists every
    64k users, and counted with polars at the end.
    """

    users: int = 0
    tree: Tree = field(default_factory=dict)
    emails: list[str | None] = field(default_factory=list)
    user_ids: list[str | None] = field(default_factory=list)
    connections: list[str | None] = field(default_factory=list)
    frames: list[pl.DataFrame] = field(default_factory=list)

    def add(self, user: dict[str, Any]) -> None:
        self.users += 1
        _walk(user, self.tree)
        self.connections.append(fields.user_connection(user))
        email = user.get("email")
        self.emails.append(email.lower() if type(email) is str else None)
        uid = user.get("user_id")
        self.user_ids.append(uid if type(uid) is str else None)
        if len(self.emails) >= _FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        import polars as pl  # imported when used: other commands need not pay its start-up

        if self.emails:
            self.frames.append(
                pl.DataFrame(
                    {"email": self.emails, "user_id": self.user_ids, "connection": self.connections},
                    schema={"email": pl.String, "user_id": pl.String, "connection": pl.String},
                )
            )
            self.emails, self.user_ids, self.connections = [], [], []

    def table(self) -> pl.DataFrame:
        import polars as pl

        self.flush()
        if not self.frames:
            return pl.DataFrame(schema={"email": pl.String, "user_id": pl.String, "connection": pl.String})
        return pl.concat(self.frames, rechunk=False)

    def merge(self, other: _Tally) -> None:
        self.users += other.users
        _merge_tree(self.tree, other.tree)
        self.flush()
        other.flush()
        self.frames.extend(other.frames)


def _counts(table: pl.DataFrame, column: str, *, duplicates_only: bool) -> dict[str, int]:
    import polars as pl

    counted = table.filter(pl.col(column).is_not_null()).group_by(column).len()
    if duplicates_only:
        counted = counted.filter(pl.col("len") > 1)
    counted = counted.sort(["len", column], descending=[True, False])
    return dict(zip(counted[column].to_list(), counted["len"].to_list()))


def _walk(obj: dict[str, Any], node: Tree) -> None:
    for k, v in obj.items():
        entry = node.get(k)
        if entry is None:
            entry = node[k] = [{}, {}]
        counts = entry[0]
        t = type(v)
        counts[t] = counts.get(t, 0) + 1
        if t is dict:
            _walk(v, entry[1])
        elif t is list and v:
            items = entry[1].get("[]")
            if items is None:
                items = entry[1]["[]"] = [{}, {}]
            icounts = items[0]
            for item in v:
                it = type(item)
                icounts[it] = icounts.get(it, 0) + 1
                if it is dict:
                    _walk(item, items[1])


def _merge_tree(mine: Tree, theirs: Tree) -> None:
    for k, (counts, children) in theirs.items():
        entry = mine.get(k)
        if entry is None:
            mine[k] = [dict(counts), {}]
            entry = mine[k]
        else:
            for t, n in counts.items():
                entry[0][t] = entry[0].get(t, 0) + n
        _merge_tree(entry[1], children)


@dataclass(frozen=True)
class FieldStat:
    path: str
    count: int
    types: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "count": self.count, "types": dict(self.types)}


@dataclass(frozen=True)
class InspectResult:
    file: str
    format: str
    compressed: bool
    users: int
    connections: dict[str, int]
    fields: list[FieldStat]
    duplicate_emails: dict[str, int]
    duplicate_user_ids: dict[str, int]
    renamed_columns: dict[str, str]
    auth0_escaped: bool
    typed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "compressed": self.compressed,
            "users": self.users,
            "connections": dict(self.connections),
            "fields": [f.to_dict() for f in self.fields],
            "duplicates": {"email": dict(self.duplicate_emails), "user_id": dict(self.duplicate_user_ids)},
            "renamed_columns": dict(self.renamed_columns),
            "csv_auth0_escaped": self.auth0_escaped,
            "type_information": self.typed,
        }


def _field_stats(tree: Tree, label: str = "") -> list[FieldStat]:
    out: list[FieldStat] = []
    for key, (counts, children) in tree.items():
        if key == "[]":
            name = f"{label}[]"
        elif label:
            name = label + format_path(("x", key))[1:]  # ".key", or '["odd.key"]'
        else:
            name = format_path((key,))
        types = {_TYPE_NAMES.get(t, t.__name__): n for t, n in sorted(counts.items(), key=lambda kv: -kv[1])}
        out.append(FieldStat(name, sum(counts.values()), types))
        out.extend(_field_stats(children, name))
    return out


def inspect(source: Source, *, progress: Callable[[int], None] | None = None, workers: int | None = None) -> InspectResult:
    """Read `source` once and describe it."""
    tally = _Tally()
    size = source.size
    nproc = workers if workers is not None else min(2, os.cpu_count() or 1)
    if source.format == fmt.NDJSON and not source.compressed and size >= PARALLEL_MIN_BYTES and nproc > 1:
        tally = _parallel_ndjson(source, nproc)
    else:
        add = tally.add
        for n, rec in enumerate(source.records(), 1):
            add(rec.user)
            if progress is not None and n % 8192 == 0:
                progress(source.bytes_read)
    if progress is not None:
        progress(size)
    import polars as pl

    table = tally.table().with_columns(pl.col("connection").fill_null("(none)"))
    return InspectResult(
        file=str(source.path),
        format=source.format,
        compressed=source.compressed,
        users=tally.users,
        connections=_counts(table, "connection", duplicates_only=False),
        fields=_field_stats(tally.tree),
        duplicate_emails=_counts(table, "email", duplicates_only=True),
        duplicate_user_ids=_counts(table, "user_id", duplicates_only=True),
        renamed_columns=dict(source.renamed),
        auth0_escaped=source.auth0_escaped,
        typed=source.typed,
    )


def _parallel_ndjson(source: Source, parts: int) -> _Tally:
    cuts = split_points(source.path, parts)
    # Line numbers for error messages: each worker counts its own lines; the first
    # error found is re-read by a sequential pass below so its line is exact.
    with ProcessPoolExecutor(max_workers=parts) as pool:
        futures = [pool.submit(_tally_range, str(source.path), cuts[i], cuts[i + 1], source.column_map) for i in range(parts)]
        results = [f.result() for f in futures]
    tally = _Tally()
    for part_tally, renamed, failed in results:
        if failed:
            # a malformed line: read sequentially so the error names the exact line
            for _rec in source.records():
                pass
        tally.merge(part_tally)
        source.renamed.update(renamed)
    return tally


def _tally_range(path: str, start: int, end: int, column_map: dict[str, str] | None) -> tuple[_Tally, dict[str, str], bool]:
    from bulkedit.errors import InputError
    from bulkedit.io import jsonio

    src = Source(path=Path(path), format=fmt.NDJSON, compressed=False, column_map=column_map)
    tally = _Tally()
    add = tally.add
    normalise = src._normalise
    loads = jsonio.loads
    try:
        with open(path, "rb") as f:
            f.seek(start)
            remaining = end - start
            rest = b""
            while remaining > 0 or rest:
                block = f.read(min(BLOCK, remaining)) if remaining > 0 else b""
                remaining -= len(block)
                if start == 0 and block.startswith(b"\xef\xbb\xbf"):
                    block = block[3:]
                start = -1
                block = rest + block
                if remaining > 0:
                    cut = block.rfind(b"\n")
                    if cut < 0:
                        rest = block
                        continue
                    rest = block[cut + 1 :]
                    block = block[: cut + 1]
                else:
                    rest = b""
                checked = not jsonio.may_hold_big_int(block)
                for line in block.split(b"\n"):
                    if not line or line.isspace():
                        continue
                    user = loads(line, checked=checked)
                    if type(user) is not dict:
                        return tally, {}, True
                    norm = normalise(user, 0)
                    add(user if norm is None else norm)
    except (jsonio.JSONError, UnicodeDecodeError, InputError):
        return tally, {}, True
    return tally, src.renamed, False
