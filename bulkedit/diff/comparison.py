"""Field-level comparison of two users: the changed leaves and list items, and the class of each change."""

from __future__ import annotations

from typing import Any

from bulkedit import fields, privacy
from bulkedit.diff.model import FORBIDDEN, IGNORED, KINDS, ORDINARY, RISKY, FieldChange
from bulkedit.diff.redact import redact_value
from bulkedit.paths import MISSING, format_path

# -- field level ------------------------------------------------------------------


def field_changes(old: dict[str, Any], new: dict[str, Any], *, redact: bool = False) -> tuple[FieldChange, ...]:
    """Field-level changes between two users, always down to the changed leaf or list item.

    Objects are walked here, skipping every branch that is equal (type-strict), so a user
    with one changed leaf costs one comparison per key instead of a full deepdiff; lists
    that differ go to deepdiff, which pairs up moved, inserted and removed items.
    """
    raw: list[tuple[tuple[Any, ...], str, Any, Any]] = []
    _walk(old, new, (), raw)
    found: list[tuple[tuple[Any, ...], FieldChange]] = []
    secrets: set[str] | None = None
    for path, kind, before, after in raw:
        cls, reason = classify(path, kind, before, after, old, new)
        # a report never holds a secret: where it sits, nor where an edit copied it (bulkedit.privacy)
        before, after = privacy.mask(path, before), privacy.mask(path, after)
        if type(before) in _TEXTUAL or type(after) in _TEXTUAL:
            if secrets is None:
                secrets = privacy.secret_values(old) | privacy.secret_values(new)
            if secrets:
                before, after = privacy.scrub_value(before, secrets), privacy.scrub_value(after, secrets)
        if redact:
            before, after = redact_value(path, before), redact_value(path, after)
        found.append((_sort_key(path), FieldChange(format_path(path), kind, before, after, cls, reason)))
    found.sort(key=lambda t: t[0])
    return tuple(fc for _, fc in found)


_TEXTUAL = (str, dict, list)


def _same(a: Any, b: Any) -> bool:
    """JSON equality that tells `1`, `1.0` and `true` apart (Python's `==` does not)."""
    t = type(a)
    if t is not type(b):
        return False
    if t is dict:
        return len(a) == len(b) and all(k in b and _same(v, b[k]) for k, v in a.items())
    if t is list:
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def _walk(old: Any, new: Any, path: tuple[Any, ...], out: list[tuple[tuple[Any, ...], str, Any, Any]]) -> None:
    to, tn = type(old), type(new)
    if to is dict and tn is dict:
        for k, v in old.items():
            if k not in new:
                out.append((path + (k,), "removed", v, MISSING))
            elif not _same(v, new[k]):
                _walk(v, new[k], path + (k,), out)
        for k, v in new.items():
            if k not in old:
                out.append((path + (k,), "added", MISSING, v))
    elif to is list and tn is list:
        # imported here: deepdiff (and the polars it pulls in) costs 0.3 s to import, and most users need neither
        from deepdiff import DeepDiff
        from deepdiff.helper import NotPresent

        before = len(out)
        dd = DeepDiff(old, new, view="tree", threshold_to_diff_deeper=0, verbose_level=2)
        for report, levels in dd.items():
            kind = KINDS.get(report, "changed")
            for level in levels:
                sub = tuple(level.path(output_format="list"))
                t1 = MISSING if isinstance(level.t1, NotPresent) else level.t1
                t2 = MISSING if isinstance(level.t2, NotPresent) else level.t2
                out.append((path + sub, kind, t1, t2))
        if len(out) == before:  # deepdiff saw no difference that _same sees: report the list whole
            out.append((path, "changed", old, new))
    elif to is not tn:
        out.append((path, "type_changed", old, new))
    else:
        out.append((path, "changed", old, new))


def _sort_key(path: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((1, s, "") if isinstance(s, int) else (0, 0, s) for s in path)


def classify(path: tuple[Any, ...], kind: str, old: Any, new: Any, old_user: dict[str, Any], new_user: dict[str, Any]) -> tuple[str, str]:
    """(class, reason) of one change."""
    root = path[0] if path else ""
    if root in fields.FORBIDDEN_FIELDS:
        if root == "blocked":
            return FORBIDDEN, "blocked cannot be changed by a bulk import"
        return FORBIDDEN, f"{root} cannot change through an import (upsert matches on it)"
    if root in ("identities", "connection"):
        # a user's connection is what emit imports it into, whichever field carries it
        moved = fields.connection_change(old_user, new_user)
        if moved is not None and (path[: len(moved)] == moved or moved[: len(path)] == path):
            return FORBIDDEN, "a user cannot move to another connection"
        return IGNORED, "identities are not imported" if root == "identities" else f"{root} is export-only: not imported"
    if root in fields.IGNORED_BY_UPSERT:
        return IGNORED, f"an upsert does not update {root}"
    if root in fields.EXPORT_ONLY_FIELDS:
        return IGNORED, f"{root} is export-only: not imported"
    if root in ("user_metadata", "app_metadata"):
        if kind == "removed" and (len(path) == 1 or isinstance(path[-1], str)):
            return RISKY, "metadata key removed: an upsert replaces metadata whole"
        if "roles" in path[1:] and kind in ("removed", "changed", "type_changed"):
            return RISKY, "role removed"
    if root == "email_verified" and old is True and new is not True:
        return RISKY, "email_verified true -> false"
    return ORDINARY, "ordinary change"
