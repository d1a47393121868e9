"""The tenant's current state, from its full export (`--backup`), indexed for lint and emit.

Each backup user is kept as the canonical JSON bytes of its import form (about 0.7 KB
a user; nothing else), keyed by user_id without the `auth0|` prefix, with a second
index by (connection, lower-case email). An upsert finds the existing user by email in
the connection imported into, so that is how a user is matched first; by user_id only
within the same connection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulkedit.importfile.convert import to_import_user
from bulkedit.io import jsonio
from bulkedit.io.read import Source, open_source, reporting


def _uid(user: dict[str, Any]) -> str | None:
    uid = user.get("user_id")
    if type(uid) is not str:
        return None
    return uid[6:] if uid.startswith("auth0|") else uid


@dataclass
class TenantState:
    """Backup users by user_id and by (connection, email); `find()` returns the import form."""

    source: Source
    by_id: dict[str, bytes] = field(default_factory=dict)
    by_email: dict[tuple[str | None, str], str] = field(default_factory=dict)
    #: the connection of each backup user (by key)
    connection_of: dict[str, str | None] = field(default_factory=dict)
    users: int = 0

    @classmethod
    def load(cls, path: Path | str, progress: Callable[[int], None] | None = None) -> TenantState:
        """Read the backup; `progress(bytes read)` now and then (see io.read.reporting)."""
        source = open_source(path)
        state = cls(source)
        by_id, by_email, connection_of = state.by_id, state.by_email, state.connection_of
        for n, rec in enumerate(reporting(source.records(), source, progress), 1):
            conv = to_import_user(rec.user)
            uid = _uid(conv.user)
            key = uid if uid is not None else f"#{n}"
            by_id[key] = jsonio.canonical(conv.user)
            connection_of[key] = conv.connection
            email = conv.user.get("email")
            if type(email) is str:
                by_email.setdefault((conv.connection, email.lower()), key)
            state.users += 1
        if progress is not None:
            progress(source.size)
        return state

    def key_of(self, user: dict[str, Any], connection: str | None) -> str | None:
        """The backup key of the user (as imported) in `connection`: the user an upsert would
        update (same email in that connection), else the one with its user_id there."""
        email = user.get("email")
        if type(email) is str:
            key = self.by_email.get((connection, email.lower()))
            if key is not None:
                return key
        uid = _uid(user)
        if uid is not None and uid in self.by_id and (connection is None or self.connection_of[uid] in (connection, None)):
            return uid
        return None

    def connection_elsewhere(self, user: dict[str, Any], connection: str | None) -> str | None:
        """The tenant's connection of the user with `user`'s user_id, when that is not `connection`."""
        uid = _uid(user)
        if uid is None or connection is None or uid not in self.by_id:
            return None
        theirs = self.connection_of[uid]
        return theirs if theirs is not None and theirs != connection else None

    def find(self, user: dict[str, Any], connection: str | None) -> dict[str, Any] | None:
        """The tenant's (import form of the) user, or None: not in the tenant, or equal to `user` exactly."""
        key = self.key_of(user, connection)
        return None if key is None else self.differing(user, key)

    def differing(self, user: dict[str, Any], key: str) -> dict[str, Any] | None:
        """The tenant's user `key` (import form), or None when it equals `user` exactly."""
        return None if self.equals(user, key) else jsonio.loads(self.by_id[key])

    def equals(self, user: dict[str, Any], key: str) -> bool:
        """Whether `user` is exactly the tenant's user `key`."""
        return jsonio.canonical(user) == self.by_id[key]

    def to_dict(self) -> dict[str, Any]:
        return {"file": str(self.source.path), "sha256": self.source.sha256(), "format": self.source.format, "users": self.users}
