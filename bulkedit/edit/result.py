"""The result of an edit run (dry or not): counts, the first changes, warnings, refusals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bulkedit import privacy
from bulkedit.paths import MISSING


def _private(obj: Any, message: str | None = None) -> None:
    """Mask `obj.old`/`obj.new` when its path is a secret one (and the message's quotes of them)."""
    if obj.path is None or not privacy.is_secret_name(obj.path):
        return
    raw = [str(v) for v in (obj.old, obj.new) if v is not MISSING and v is not None and type(v) is not bool]
    object.__setattr__(obj, "old", privacy.mask_named(obj.path, obj.old))
    object.__setattr__(obj, "new", privacy.mask_named(obj.path, obj.new))
    if message is not None:
        object.__setattr__(obj, "message", privacy.scrub(message, raw))


def _value(out: dict[str, Any], name: str, value: Any) -> None:
    # an absent value is an absent key: null would say the field was there holding null
    if value is not MISSING:
        out[name] = value


@dataclass(frozen=True)
class Change:
    """One field of one user, old -> new (MISSING = absent)."""

    where: str
    key: str
    path: str
    old: Any
    new: Any

    def __post_init__(self) -> None:  # a report never holds a secret (bulkedit.privacy)
        _private(self)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"where": self.where, "key": self.key, "path": self.path}
        _value(out, "old", self.old)
        _value(out, "new", self.new)
        return out


@dataclass(frozen=True)
class Notice:
    """A refusal or a warning: a stable `code`, where it is (file:line, user key, field) and why."""

    code: str
    message: str
    where: str | None = None
    key: str | None = None
    path: str | None = None
    old: Any = MISSING
    new: Any = MISSING

    def __post_init__(self) -> None:  # a report never holds a secret (bulkedit.privacy)
        _private(self, self.message)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        for name in ("where", "key", "path"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        _value(out, "old", self.old)
        _value(out, "new", self.new)
        return out


@dataclass(frozen=True)
class StepStat:
    """How one step of a plan fared: users it selected and users whose values it changed."""

    index: int
    where: str
    summary: str
    selected: int
    changed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "where": self.where,
            "summary": self.summary,
            "selected": self.selected,
            "changed": self.changed,
        }


@dataclass(frozen=True)
class EditResult:
    """Everything an edit run found. `refused` means nothing was written (exit 1)."""

    source: str
    source_format: str
    output: str | None
    output_format: str | None
    dry_run: bool
    written: bool
    private: bool
    users_read: int
    users_changed: int
    users_added: int
    users_refused: int
    steps: tuple[StepStat, ...]
    fields: dict[str, int]
    changes: tuple[Change, ...]
    changes_total: int
    warnings: tuple[Notice, ...]
    warning_counts: dict[str, int]
    refusals: tuple[Notice, ...]
    refusal_counts: dict[str, int]
    renamed: dict[str, str] = field(default_factory=dict)
    refusal_hint: str | None = None

    @property
    def refused(self) -> bool:
        return bool(self.refusal_counts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "source_format": self.source_format,
            "output": self.output,
            "output_format": self.output_format,
            "dry_run": self.dry_run,
            "written": self.written,
            "private": self.private,
            "refused": self.refused,
            "users": {
                "read": self.users_read,
                "changed": self.users_changed,
                "added": self.users_added,
                "refused": self.users_refused,
            },
            "steps": [s.to_dict() for s in self.steps],
            "fields": dict(self.fields),
            "changes_total": self.changes_total,
            "changes": [c.to_dict() for c in self.changes],
            "warning_counts": dict(self.warning_counts),
            "warnings": [w.to_dict() for w in self.warnings],
            "refusal_counts": dict(self.refusal_counts),
            "refusals": [r.to_dict() for r in self.refusals],
            "renamed_columns": dict(self.renamed),
            "refusal_hint": self.refusal_hint,
        }
