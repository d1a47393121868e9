"""`inspect`: what a user file holds — format, users, connections, fields and their types, duplicates.

One streaming pass; nothing but counters is kept per user except the email and
user_id sets needed to find duplicates. A large plain NDJSON file is split at
line boundaries and read by two processes (the machine's cores), because the
per-field walk costs about twice the JSON parse itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

from bulkedit import fields
from bulkedit.io.parallel import byte_ranges, run_ranges
from bulkedit.io.read import Record, Source, reporting
from bulkedit.paths import format_path

PARALLEL_MIN_BYTES = 64 << 20
#: The share of the file this process reads: the worker also pickles its keys for it.
FIRST_SHARE = 0.52

_TYPE_NAMES = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null", dict: "object", list: "array"}

# A field tree: key -> [ {python type: count}, children tree ]; list items live under the key "[]".
Tree = dict[str, list[Any]]


_FLUSH_EVERY = 65536
#: The per-user keys inspect counts (all strings).
_KEY_COLUMNS = ("email", "user_id", "connection")
#: Distinct top-level shapes remembered; users of further shapes are walked in full.
_MAX_SHAPES = 20000


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
    #: (top-level keys, their value types) -> [users, the keys holding an object or a list]
    shapes: dict[tuple[tuple[str, ...], tuple[type, ...]], list[Any]] = field(default_factory=dict)
    #: what the objects and lists hold (and users walked in full), until `_expand` adds it to `tree`
    inside: Tree = field(default_factory=dict)

    def add(self, user: dict[str, Any]) -> None:
        self.users += 1
        # Users of one export share a few top-level shapes: count each shape once per user
        # (two C-level tuples and a lookup instead of a step per field) and walk only the
        # objects and lists; `_expand` turns the shapes into per-field counts.
        types = tuple(map(type, user.values()))
        shape = (tuple(user), types)
        entry = self.shapes.get(shape)
        if entry is None:
            if len(self.shapes) >= _MAX_SHAPES:
                _walk(user, self.inside)
                entry = _NO_SHAPE
            else:
                entry = self.shapes[shape] = [0, [k for k, t in zip(shape[0], types, strict=True) if t is dict or t is list]]
        if entry is not _NO_SHAPE:
            entry[0] += 1
            inside = self.inside
            for k in entry[1]:
                node = inside.get(k)
                if node is None:
                    node = inside[k] = [{}, {}]
                _walk_inside(user[k], node)
        self.connections.append(fields.user_connection(user))
        email = user.get("email")
        self.emails.append(email.lower() if type(email) is str else None)
        uid = user.get("user_id")
        self.user_ids.append(uid if type(uid) is str else None)
        if len(self.emails) >= _FLUSH_EVERY:
            self.flush()

    def field_tree(self) -> Tree:
        """Every field's counts (the shapes counted so far included)."""
        self._expand()
        return self.tree

    def _expand(self) -> None:
        """Add the counted shapes to the field tree, keeping the order fields were first seen in."""
        tree = self.tree
        for (keys, types), (count, _) in self.shapes.items():
            for k, t in zip(keys, types, strict=True):
                entry = tree.get(k)
                if entry is None:
                    entry = tree[k] = [{}, {}]
                counts = entry[0]
                counts[t] = counts.get(t, 0) + count
        _merge_tree(tree, self.inside)
        self.shapes, self.inside = {}, {}

    def flush(self) -> None:
        import polars as pl  # imported when used: other commands need not pay its start-up

        if self.emails:
            self.frames.append(
                pl.DataFrame(
                    {"email": self.emails, "user_id": self.user_ids, "connection": self.connections},
                    schema=dict.fromkeys(_KEY_COLUMNS, pl.String),
                )
            )
            self.emails, self.user_ids, self.connections = [], [], []

    def table(self) -> pl.DataFrame:
        import polars as pl

        self.flush()
        if not self.frames:
            return pl.DataFrame(schema=dict.fromkeys(_KEY_COLUMNS, pl.String))
        return pl.concat(self.frames, rechunk=True)  # one chunk a column: counting is several times quicker

    def merge(self, other: _Tally) -> None:
        self.users += other.users
        self.flush()
        other.flush()
        _merge_tree(self.field_tree(), other.field_tree())
        self.frames.extend(other.frames)


def _counts_of(values: list[str | None], *, duplicates_only: bool) -> dict[str, int]:
    """`_counts` of values still held in a list (a small file): polars' start-up would cost more than the count."""
    counted = Counter(v for v in values if v is not None)
    ordered = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))  # code-point order, as polars sorts UTF-8
    return {k: n for k, n in ordered if n > 1 or not duplicates_only}


def _counts(table: pl.DataFrame, column: str, *, duplicates_only: bool) -> dict[str, int]:
    import polars as pl

    counted = table.filter(pl.col(column).is_not_null()).group_by(column).len()
    if duplicates_only:
        counted = counted.filter(pl.col("len") > 1)
    counted = counted.sort(["len", column], descending=[True, False])
    return dict(zip(counted[column].to_list(), counted["len"].to_list()))


_NO_SHAPE: list[Any] = []


def _walk(obj: dict[str, Any], node: Tree) -> None:
    for k, v in obj.items():
        entry = node.get(k)
        if entry is None:
            entry = node[k] = [{}, {}]
        counts = entry[0]
        t = type(v)
        counts[t] = counts.get(t, 0) + 1
        if t is dict or t is list:
            _walk_inside(v, entry)


def _walk_inside(v: Any, entry: list[Any]) -> None:
    """Count what an object or list value holds under its field's tree `entry` (the value itself is counted already)."""
    if type(v) is dict:
        _walk(v, entry[1])
    elif v:
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
    size = source.size
    ranges = byte_ranges(source, parts=workers, min_bytes=PARALLEL_MIN_BYTES, first_share=FIRST_SHARE)
    if ranges is None:
        tally = _tally_records(reporting(source.records(), source, progress), flush=False)
    else:
        parts = run_ranges(lambda start, end: (_tally_records(source.records_range(start, end), flush=True), source.renamed), ranges)
        tally = _Tally()
        for part, renamed in parts:
            tally.merge(part)
            source.renamed.update(renamed)
    if progress is not None:
        progress(size)
    if tally.frames:
        import polars as pl

        table = tally.table().with_columns(pl.col("connection").fill_null("(none)"))
        connections = _counts(table, "connection", duplicates_only=False)
        emails = _counts(table, "email", duplicates_only=True)
        user_ids = _counts(table, "user_id", duplicates_only=True)
    else:  # fewer users than one flush: counted without importing polars
        connections = _counts_of(["(none)" if c is None else c for c in tally.connections], duplicates_only=False)
        emails = _counts_of(tally.emails, duplicates_only=True)
        user_ids = _counts_of(tally.user_ids, duplicates_only=True)
    return InspectResult(
        file=str(source.path),
        format=source.format,
        compressed=source.compressed,
        users=tally.users,
        connections=connections,
        fields=_field_stats(tally.field_tree()),
        duplicate_emails=emails,
        duplicate_user_ids=user_ids,
        renamed_columns=dict(source.renamed),
        auth0_escaped=source.auth0_escaped,
        typed=source.typed,
    )


def _tally_records(records: Iterator[Record], *, flush: bool) -> _Tally:
    """Every record tallied; `flush` turns the last keys into a polars table too (a part sent back by a worker)."""
    tally = _Tally()
    add = tally.add
    for rec in records:
        add(rec.user)
    if flush:
        tally.flush()
    return tally
