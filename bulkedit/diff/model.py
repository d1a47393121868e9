"""The result model of `diff`: change classes, field and user changes, counts, gate, options, progress callback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bulkedit.paths import MISSING

#: Classes of a change, worst first.
FORBIDDEN = "forbidden"
IGNORED = "ignored"
RISKY = "risky"
ORDINARY = "ordinary"
CLASSES = (FORBIDDEN, RISKY, IGNORED, ORDINARY)
RANK = {c: i for i, c in enumerate(CLASSES)}

KINDS = {
    "values_changed": "changed",
    "type_changes": "type_changed",
    "dictionary_item_added": "added",
    "iterable_item_added": "added",
    "dictionary_item_removed": "removed",
    "iterable_item_removed": "removed",
}


# -- results ----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One changed value: its path, old -> new (MISSING when absent), and how it is classed."""

    path: str
    change: str  # changed | type_changed | added | removed
    old: Any
    new: Any
    cls: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "change": self.change}
        if self.old is not MISSING:
            out["old"] = self.old
        if self.new is not MISSING:
            out["new"] = self.new
        out["class"] = self.cls
        out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class UserDiff:
    """A user that differs: changed (with its field changes), added or removed."""

    key: str
    status: str  # changed | added | removed | left_out (not in an emit folder's chunks, on purpose: see note)
    email: str | None
    backup_at: str | None
    candidate_at: str | None
    cls: str | None  # the worst class among its changes (changed users only)
    changes: tuple[FieldChange, ...] = ()
    note: str | None = None  # why a user is left out (emit folders)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "status": self.status,
            "email": self.email,
            "backup_at": self.backup_at,
            "candidate_at": self.candidate_at,
            "class": self.cls,
            "changes": [c.to_dict() for c in self.changes],
            "note": self.note,
        }


@dataclass(frozen=True)
class FieldSummary:
    """Changes of one field (list indices folded into `[]`) across all users."""

    path: str
    cls: str
    users: int
    changes: int
    kinds: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "class": self.cls, "users": self.users, "changes": self.changes, "kinds": dict(self.kinds)}


@dataclass(frozen=True)
class Counts:
    backup_users: int
    candidate_users: int
    added: int
    removed: int
    changed: int
    unchanged: int
    left_out: int = 0  # backup users an emit folder left out on purpose (not importable); not a difference
    #: backup users an import file does not name: an import leaves them as they are; not a difference
    not_in_file: int = 0

    @property
    def differing(self) -> int:
        return self.added + self.removed + self.changed

    def to_dict(self) -> dict[str, Any]:
        return {
            "backup_users": self.backup_users,
            "candidate_users": self.candidate_users,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "left_out": self.left_out,
            "not_in_file": self.not_in_file,
        }


@dataclass(frozen=True)
class Gate:
    """Whether the diff fails the review gates (exit 1), and why."""

    failed: bool
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"failed": self.failed, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class DiffResult:
    backup: str
    candidate: str
    candidate_kind: str  # file | emit folder
    key: str
    counts: Counts
    fields: tuple[FieldSummary, ...]
    classes: dict[str, dict[str, int]]
    users: tuple[UserDiff, ...]
    gate: Gate
    redacted: bool

    @property
    def changed_users(self) -> list[UserDiff]:
        return [u for u in self.users if u.status == "changed"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "backup": self.backup,
            "candidate": self.candidate,
            "candidate_kind": self.candidate_kind,
            "key": self.key,
            "redacted": self.redacted,
            "counts": self.counts.to_dict(),
            "classes": {c: dict(v) for c, v in self.classes.items()},
            "fields": [f.to_dict() for f in self.fields],
            "users": [u.to_dict() for u in self.users],
            "gate": self.gate.to_dict(),
        }


@dataclass(frozen=True)
class DiffOptions:
    key: str = "user_id"  # user_id | email
    redact: bool = False
    fail_on_change: bool = False
    max_changed: str | None = None  # "N" users or "P%" of the backup's users
    column_map: dict[str, str] | None = None


ProgressFn = Callable[[int], None]
