"""The duplicate rules' memory (BE201-BE203): every user's email, user_id and username, per connection.

A million users' values kept as strings in dicts cost about 280 MB, which is most of what
linting a tenant's chunks (and so `push`) needs. Here a file's values are held only
until the file ends; then each becomes its 64-bit hash and packed place (16 bytes per
user and rule). At the end, a hash met more than once sends lint back to the files for
just those users, to prove the values equal (equal hashes of different values are not
duplicates) and to name them; findings come out in the order one pass over the files
would give them.
"""

from __future__ import annotations

import operator
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import compress, repeat
from pathlib import Path
from typing import Any

from bulkedit.importfile.convert import to_import_user
from bulkedit.io.read import Source, open_source
from bulkedit.lint.rule import Rule

#: the line part of a packed place (file index << 40 | line); all ones: no line
NO_POS = (1 << 40) - 1
#: the field each duplicate rule reads, for its findings
DUP_PATH = {"BE201": "email", "BE202": "user_id", "BE203": "username"}


def user_key(user: dict[str, Any]) -> str | None:
    """How findings name a user: its user_id, else its email."""
    uid = user.get("user_id")
    if type(uid) is str:
        return uid
    email = user.get("email")
    return email if type(email) is str else None


@dataclass
class _Gathered:
    """One connection's users of the current file (or part): a list of values per rule, each
    user's packed place and its key for messages."""

    values: list[list[Any]]
    packed: list[int]
    keys: list[str | None]


@dataclass
class _Seen:
    """One rule's values in one connection, as hashes and packed places in the order met."""

    hashes: array[int] = field(default_factory=lambda: array("q"))
    packed: array[int] = field(default_factory=lambda: array("q"))
    #: index -> (value, user key) for users that cannot be read again (no file to read, no line)
    kept: dict[int, tuple[Any, str | None]] = field(default_factory=dict)


class DuplicateKeys:
    """Gathers the duplicate rules' values while files are read; `judge()` names the repeats."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        self._checks = [r.check for r in rules]
        self.gathered: dict[str | None, _Gathered] = {}
        self._seen: dict[tuple[str, str | None], _Seen] = {}
        #: file index -> how to read it again: (path, column map), or None when it cannot be
        self._files: dict[int, tuple[Path, dict[str, str] | None] | None] = {}
        #: file index -> its connections in the order first met (findings follow this order)
        self._conns: dict[int, list[str | None]] = {}

    def begin_file(self, idx: int, source: Source | None) -> None:
        """File `idx` starts; `source` (None: users with no file behind them) is where to read it again."""
        self._files[idx] = (source.path, source.column_map) if source is not None else None

    def share_files(self, other: DuplicateKeys) -> None:
        """Know the files `other` knows (a worker reading a later part of the same file)."""
        self._files = dict(other._files)

    def gather(self, user: dict[str, Any], connection: str | None, file_idx: int, pos: int | None, key_user: dict[str, Any]) -> None:
        """Note the user's values (per connection); lists only, so this stays cheap per user."""
        g = self.gathered.get(connection)
        if g is None:
            g = self.gathered[connection] = _Gathered([[] for _ in self._checks], [], [])
        g.packed.append((file_idx << 40) | (pos if pos is not None else NO_POS))
        uid = key_user.get("user_id")
        g.keys.append(uid if uid.__class__ is str else user_key(key_user))
        for check, values in zip(self._checks, g.values):
            values.append(check(user))

    def fold(self) -> None:
        """Turn the values gathered so far into hashes and packed places (at the end of a file or part)."""
        gathered, self.gathered = self.gathered, {}
        places = [p for g in gathered.values() for p in g.packed]
        if not places:
            return
        idx = places[0] >> 40
        # a user is found again by its line: not when users share one (a JSON array on one
        # line) or have none; their values are kept instead
        readable = self._files.get(idx) is not None and len(set(places)) == len(places) and ((idx << 40) | NO_POS) not in places
        del places
        order = self._conns.setdefault(idx, [])
        for conn, g in gathered.items():
            if conn not in order:
                order.append(conn)
            for rule, values in zip(self.rules, g.values):
                seen = self._seen.get((rule.code, conn))
                if seen is None:
                    seen = self._seen[(rule.code, conn)] = _Seen()
                if not readable:
                    for value, packed, key in zip(values, g.packed, g.keys):
                        if value is not None:
                            seen.kept[len(seen.hashes)] = (value, key)
                            seen.hashes.append(hash(value))
                            seen.packed.append(packed)
                elif None in values:  # (without a Python loop over the users)
                    mask = list(map(operator.is_not, values, repeat(None)))
                    seen.hashes.extend(map(hash, compress(values, mask)))
                    seen.packed.extend(compress(g.packed, mask))
                else:
                    seen.hashes.extend(map(hash, values))
                    seen.packed.extend(g.packed)

    # -- parallel parts -------------------------------------------------------------

    def export(self) -> dict[str, Any]:
        """What a worker gathered, compactly (a few MB of bytes, not a million strings to pickle)."""
        self.fold()
        seen = {key: (s.hashes.tobytes(), s.packed.tobytes(), s.kept) for key, s in self._seen.items()}
        return {"seen": seen, "conns": self._conns}

    def absorb(self, state: dict[str, Any]) -> None:
        """Add what a worker reading the next part gathered (see `export`), after this one's own."""
        self.fold()
        for key, (hashes, packed, kept) in state["seen"].items():
            seen = self._seen.get(key)
            if seen is None:
                seen = self._seen[key] = _Seen()
            base = len(seen.hashes)
            seen.hashes.frombytes(hashes)
            seen.packed.frombytes(packed)
            seen.kept.update((base + i, v) for i, v in kept.items())
        for idx, conns in state["conns"].items():
            order = self._conns.setdefault(idx, [])
            order.extend(c for c in conns if c not in order)

    # -- judging ----------------------------------------------------------------------

    def judge(self) -> Iterator[tuple[Rule, int, Any, int, str | None]]:
        """Every later sighting of a value in its connection: (rule, packed place, value, the first's
        packed place, user key), in the order one pass would find them. Call once, at the end."""
        self.fold()
        seen_all, self._seen = self._seen, {}
        wanted: dict[tuple[str, str | None], list[int]] = {}
        for rule_conn, seen in seen_all.items():
            hashes = seen.hashes
            if len(set(hashes)) == len(hashes):  # the usual case: no value twice
                continue
            once: set[int] = set()
            twice: set[int] = set()
            for h in hashes:
                if h in once:
                    twice.add(h)
                else:
                    once.add(h)
            del once
            wanted[rule_conn] = [i for i, h in enumerate(hashes) if h in twice]
        if not wanted:
            return
        values = self._values_at(wanted, seen_all)
        rules = {r.code: (rank, r) for rank, r in enumerate(self.rules)}
        found: list[tuple[tuple[int, int, int, int], Rule, int, Any, int, str | None]] = []
        for (code, conn), indices in wanted.items():
            rank, rule = rules[code]
            packs = seen_all[(code, conn)].packed
            firsts: dict[Any, int] = {}
            for i in indices:
                got = values.get((code, conn, i))
                if got is None:
                    continue  # (the file changed since it was read: nothing to prove)
                value, key = got
                packed = packs[i]
                first = firsts.get(value)
                if first is None:
                    firsts[value] = packed
                    continue
                idx = packed >> 40
                found.append(((idx, self._conns[idx].index(conn), rank, i), rule, packed, value, first, key))
        found.sort(key=lambda f: f[0])
        for _, rule, packed, value, first, key in found:
            yield rule, packed, value, first, key

    def _values_at(
        self, wanted: dict[tuple[str, str | None], list[int]], seen_all: dict[tuple[str, str | None], _Seen]
    ) -> dict[tuple[str, str | None, int], tuple[Any, str | None]]:
        """The values (and user keys) behind the wanted indices: kept ones, else read again from their files."""
        out: dict[tuple[str, str | None, int], tuple[Any, str | None]] = {}
        # file index -> line -> the (code, connection, index) wanted there, in the order met
        by_file: dict[int, dict[int, list[tuple[str, str | None, int]]]] = {}
        for (code, conn), indices in wanted.items():
            seen = seen_all[(code, conn)]
            for i in indices:
                if i in seen.kept:
                    out[(code, conn, i)] = seen.kept[i]
                    continue
                packed = seen.packed[i]
                by_file.setdefault(packed >> 40, {}).setdefault(packed & NO_POS, []).append((code, conn, i))
        checks = {r.code: r.check for r in self.rules}
        for idx, at in sorted(by_file.items()):
            where = self._files[idx]
            assert where is not None  # only readable files' users lack a kept value
            for rec in open_source(where[0], column_map=where[1]).records():
                pending = at.pop(rec.pos, None)  # (a readable file has one user per line: `fold`)
                if pending is None:
                    continue
                for code, conn, i in pending:
                    value = _value_of(checks[code], rec.user, seen_all[(code, conn)].hashes[i])
                    if value is not None:
                        out[(code, conn, i)] = (value, user_key(rec.user))
                if not at:
                    break
        return out


def _value_of(check: Callable[[dict[str, Any]], Any], user: dict[str, Any], wanted: int) -> Any:
    """The rule's value for `user` read again, as lint saw it (before or after conversion),
    if its hash is `wanted`; else None."""
    value = check(user)
    if value is not None and hash(value) == wanted:
        return value
    conv = to_import_user(user)
    if conv.importable:
        value = check(conv.user)
        if value is not None and hash(value) == wanted:
            return value
    return None
