"""What an edit of one user may not do, and what it should not do without a warning.

`check_user(old, new)` compares a user before and after an edit (any edit: a plan,
a spreadsheet) and returns the refusals and warnings. Why each guard exists is in
shared/reference/auth0-formats.md §1: upsert matches on email, cannot change
email, user_id, username, blocked or password_hash, and cannot block users.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bulkedit import fields
from bulkedit.edit.values import same
from bulkedit.paths import MISSING, format_path, get_path

_WHY_REFUSED: dict[str, tuple[str, str]] = {
    "email": ("change-email", "email is the upsert lookup key: changing it creates a new user and leaves the old one"),
    "user_id": ("change-user_id", "user_id cannot be changed by an import"),
    "identities": ("change-connection", "a user cannot move to another connection through an import"),
    "blocked": ("change-blocked", "a bulk import cannot block or unblock users"),
}

#: Refusal codes: the edit would not do what it says in Auth0 (or would create another user).
FORBIDDEN = {path: _WHY_REFUSED[str(path[0])] for path in fields.FORBIDDEN_PATHS}

#: Warning codes: the edit is allowed but upsert ignores it, or the field is not imported at all.
IGNORED = {
    (name,): (f"{name}-ignored", f"upsert does not update {name}; the change only applies to new users")
    for name in sorted(fields.IGNORED_BY_UPSERT, reverse=True)
} | {
    # identities (and a top-level connection) are guarded by the connection refusal above
    (name,): (f"{name}-not-imported", f"{name} is export-only: emit drops it, so the change never reaches Auth0")
    for name in sorted(fields.EXPORT_ONLY_FIELDS - {"identities", "connection"})
}


@dataclass(frozen=True)
class Guarded:
    """One guard hit on one user: `code`, the field `path`, the old and new values and why."""

    code: str
    path: str
    old: Any
    new: Any
    message: str


#: Top-level fields the guards look at.
GUARDED_KEYS = frozenset(p[0] for p in (*FORBIDDEN, *IGNORED, *fields.CONNECTION_CARRIERS)) | {"app_metadata"}
_MOVE = FORBIDDEN[fields.CONNECTION_PATH]


def check_user(
    old: dict[str, Any], new: dict[str, Any], touched: set[Any] | frozenset[Any] | None = None
) -> tuple[list[Guarded], list[Guarded]]:
    """(refusals, warnings) for changing user `old` into `new`. Absent values are MISSING.

    `touched`, when given, is the set of top-level keys that differ (a fast path: no
    guarded key touched, nothing to check).
    """
    refusals: list[Guarded] = []
    warnings: list[Guarded] = []
    if old is new or (touched is not None and GUARDED_KEYS.isdisjoint(touched)):
        return refusals, warnings
    for path, (code, why) in FORBIDDEN.items():
        if path == fields.CONNECTION_PATH:
            continue
        a, b = get_path(old, path), get_path(new, path)
        if a is not b and not same(a, b):
            refusals.append(Guarded(code, format_path(path), a, b, why))
    moved = fields.connection_change(old, new)  # whichever field carries the connection
    if moved is not None:
        refusals.append(Guarded(_MOVE[0], format_path(moved), get_path(old, moved), get_path(new, moved), _MOVE[1]))
    for path, (code, why) in IGNORED.items():
        a, b = get_path(old, path), get_path(new, path)
        if a is not b and not same(a, b):
            warnings.append(Guarded(code, format_path(path), a, b, why))
    old_app, new_app = old.get("app_metadata", MISSING), new.get("app_metadata", MISSING)
    if new_app is not old_app and type(new_app) is dict:
        for key in fields.RESERVED_APP_METADATA_KEYS.intersection(new_app):
            before = old_app.get(key, MISSING) if type(old_app) is dict else MISSING
            if before is MISSING or not same(before, new_app[key]):
                warnings.append(
                    Guarded(
                        "reserved-app_metadata-key",
                        format_path(("app_metadata", key)),
                        before,
                        new_app[key],
                        f"app_metadata must not contain {key!r}: the import rejects the user",
                    )
                )
    return refusals, warnings
