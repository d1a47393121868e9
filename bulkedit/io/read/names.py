"""Column mapping: which Auth0 field a key or column header fills (built-in renames, dotted paths, `--map`)."""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from bulkedit import fields
from bulkedit.errors import InputError
from bulkedit.io.read.base import SourceBase
from bulkedit.paths import MISSING, PathConflict, PathError, format_path, get_path, parse_path, set_path
from bulkedit.privacy import text_safe


class KeyNames(SourceBase):
    """A Source's key and column names mapped to Auth0 fields (renames, dotted paths, `--map`)."""

    def _normalise(self, user: dict[str, Any], pos: int) -> dict[str, Any] | None:
        """Map renamed and dotted top-level keys to Auth0 fields; None when nothing changes.

        Two keys that fill the same field (`name` and `Name`, or `user_metadata.plan` beside
        a `user_metadata` object holding `plan`) are refused: one value would be lost.
        """
        if fields.KNOWN_FIELDS.issuperset(user) and not self.column_map:
            return None
        targets: list[tuple[tuple[str | int, ...], str]] = []
        changed = False
        for key in user:
            target = self._key_target(key)
            if target != (key,):
                changed = True
            targets.append((target, key))
        if not changed:
            return None
        out: dict[str, Any] = {}
        placed: list[tuple[tuple[str | int, ...], str]] = []
        for target, key in targets:
            if target != (key,):
                self.renamed[key] = format_path(target)
            self._place(out, target, user[key], key, placed, pos)
        return out

    def _place(
        self, out: dict[str, Any], target: tuple[str | int, ...], value: Any, key: str,
        placed: list[tuple[tuple[str | int, ...], str]], pos: int,
    ) -> None:
        """Set `target` to `value` (the value of `key`), merging objects; refuse a field two keys fill."""
        existing = get_path(out, target)
        if existing is not MISSING:
            if type(existing) is dict and type(value) is dict:
                for k, v in value.items():
                    self._place(out, target + (k,), v, key, placed, pos)
                return
            other = next((k for t, k in placed if t == target[: len(t)] or target == t[: len(target)]), "another key")
            raise self._error(
                f"keys {other!r} and {key!r} both fill the field {format_path(target)!r}",
                pos,
                "remove one of them, or map one elsewhere with --map",
            )
        try:
            set_path(out, target, value)
        except PathConflict as exc:
            raise self._error(f"cannot place key {key!r} at {format_path(target)!r}: {exc}", pos) from None
        placed.append((target, key))

    def _key_target(self, key: str) -> tuple[str | int, ...]:
        """The field path a top-level key or column header stands for (`(key,)` when it is just itself).

        `--map` entries win (matched exactly, else case- and space-insensitively, like the
        built-in renames); then Dashboard/extension names; then dotted/indexed names whose
        root is an Auth0 field (`user_metadata.plan`, `identities[0].connection`).
        """
        target = self._targets.get(key)
        if target is None:
            target = default_target(key)
            entry = _map_entry(self.column_map, key) if self.column_map else None
            if entry is not None:
                self._map_used.add(entry)
                target = parse_path(self.column_map[entry])  # type: ignore[index]  # entry is one of its keys
            if len(self._targets) < 10000:
                self._targets[key] = target
        return target

    def _warn_unused_map(self, what: str) -> None:
        """Tell (once, on stderr) which `--map` entries matched no key or column of this file."""
        if not self.column_map or self._map_warned:
            return
        self._map_warned = True
        unused = [k for k in self.column_map if k not in self._map_used]
        if unused:
            names = ", ".join(repr(k) for k in unused[:10]) + (f" and {len(unused) - 10} more" if len(unused) > 10 else "")
            print(
                f"bulkedit: warning: {text_safe(self.path)}: --map {'entry' if len(unused) == 1 else 'entries'} {text_safe(names)}"
                f" matched no {what} of this file, so {'it was' if len(unused) == 1 else 'they were'} not used"
                " (check the spelling against the file's names)",
                file=sys.stderr,
            )

    def _refuse_foreign_object(self, user: dict[str, Any], pos: int) -> None:
        """The first user of a JSON file has no key that fills an Auth0 field: not a user file."""
        if not user or any(is_user_field(self._key_target(k)) for k in user):
            return
        keys = ", ".join(repr(k) for k in list(user)[:6]) + (", ..." if len(user) > 6 else "")
        raise self._error(
            f"not a user file: the first JSON object has no Auth0 user field (its keys: {keys})",
            pos,
            "a user has keys such as user_id, email, name; map other names to Auth0 fields with --map",
        )


def _map_entry(column_map: dict[str, str], key: str) -> str | None:
    """The `--map` entry for `key`: the exact one, else one equal case-, space- and dash-insensitively."""
    if key in column_map:
        return key
    norm = fields.normalise_name(key)
    return next((k for k in column_map if fields.normalise_name(k) == norm), None)


def is_user_field(path: tuple[str | int, ...]) -> bool:
    return bool(path) and path[0] in fields.KNOWN_FIELDS


@lru_cache(maxsize=10000)  # a file has a few keys, seen on every user
def default_target(key: str) -> tuple[str | int, ...]:
    canon = fields.canonical_column(key)
    if canon is not None:
        target = parse_path(canon)
    else:
        target = (key,)
        if "." in key or "[" in key:
            try:
                path = parse_path(key)
            except PathError:
                path = (key,)
            root = path[0]
            root_canon = fields.canonical_column(root) if isinstance(root, str) else None
            if root_canon is not None and len(path) > 1:
                target = parse_path(root_canon) + path[1:]
    return target


def load_column_map(path: Path | None) -> dict[str, str] | None:
    """Read a `--map` file: a JSON or YAML object {"column": "auth0.field.path"}."""
    if path is None:
        return None
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the column map ({exc.strerror})", hint="check the path") from None
    try:
        data = json.loads(text)
    except ValueError:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError(f"{path}: the column map is neither JSON nor YAML ({exc})") from None
    if type(data) is not dict or not all(type(k) is str and type(v) is str for k, v in data.items()):
        raise InputError(
            f"{path}: the column map must be an object of column name -> field path",
            hint='for example {"Zip Code": "user_metadata.zip"}',
        )
    for col, target in data.items():
        try:
            parse_path(target)
        except PathError as exc:
            raise InputError(f"{path}: column {col!r} maps to a malformed path: {exc}") from None
    return data
