"""BE8xx: checks against the tenant's current state (`--backup`, the full export).

Each rule gets the user as it would be imported and the same user in the backup
(matched as an upsert would: by email in its connection, else by user_id there), both converted to import form.
"""

from __future__ import annotations

from bulkedit import fields
from bulkedit.io import jsonio
from bulkedit.lint.rule import rule
from bulkedit.paths import MISSING, format_path, get_path, iter_leaves

METADATA = fields.METADATA_FIELDS


def _missing_leaves(old, new) -> list[str]:  # type: ignore[no-untyped-def]
    """Leaf paths of `old` that `new` no longer holds (lists count as leaves)."""
    return [format_path(p) for p, _ in iter_leaves(old, into_lists=False) if get_path(new, p) is MISSING]


@rule("BE801", "metadata-erases-keys", "warning", "{field} replaces the tenant's whole object: {n} key(s) would be erased ({keys})", "backup")
def metadata_erases_keys(u, b):  # type: ignore[no-untyped-def]
    """A metadata object lacking keys the user has in the tenant (the backup).

    Why: an upsert replaces `user_metadata` and `app_metadata` whole, it does not
    merge. A chunk carrying only the edited keys erases every other key of the user.

    Example: backup `{"prefs": {"lang": "de"}, "plan": "pro"}`, import `{"plan": "free"}`:
    `prefs.lang` is erased.

    Fix: emit metadata as the complete object from the export plus the edits
    (`bulkedit edit` does); ignore this finding where the removal is intended.
    """
    out = []
    for field in METADATA:
        if field not in u or type(b.get(field)) is not dict:
            continue
        gone = _missing_leaves(b[field], u[field] if type(u[field]) is dict else {})
        if gone:
            shown = ", ".join(gone[:5]) + (f", ... ({len(gone) - 5} more)" if len(gone) > 5 else "")
            out.append((field, {"field": field, "n": len(gone), "keys": shown}))
    return out or None


@rule("BE802", "hash-for-existing-user", "warning", "password_hash is ignored: the user already exists in the tenant", "backup")
def hash_for_existing_user(u, b):  # type: ignore[no-untyped-def]
    """A `password_hash` for a user the backup shows already exists.

    Why: only the import that creates a user sets its password_hash; an upsert ignores
    it, so the password does not change.

    Example: re-importing users with new bcrypt hashes.

    Fix: change passwords another way (password reset, Management API).
    """
    return [("password_hash", {})] if "password_hash" in u else None


@rule("BE803", "upsert-ignored-change", "warning", "{field} changes from {old!r} to {new!r}, but an upsert does not update {field}", "backup")
def upsert_ignored_change(u, b):  # type: ignore[no-untyped-def]
    """A change of `username` on an existing user.

    Why: an upsert does not update username (or email, blocked, password_hash): the
    change silently has no effect. (A changed `blocked` is refused outright: BE808.)

    Example: backup `"username": "ana"`, import `"username": "anna"`.

    Fix: make the change through the Management API instead.
    """
    if "username" in u and u["username"] != b.get("username"):
        return [("username", {"field": "username", "old": b.get("username"), "new": u["username"]})]
    return None


@rule("BE804", "email-changed", "error", "email changes from {old!r} to {new!r}: the upsert would create a new user and keep the old one", "backup")
def email_changed(u, b):  # type: ignore[no-untyped-def]
    """An existing user (same user_id) whose email differs from the backup.

    Why: upserts match on email: the import creates a second user with the new email and
    leaves the old one unchanged.

    Example: backup `ana@old.io`, import `ana@new.io` for the same user_id.

    Fix: change emails through the Management API, not through an import.
    """
    new, old = u.get("email"), b.get("email")
    if type(new) is str and type(old) is str and new.lower() != old.lower():
        return [("email", {"old": old, "new": new})]
    return None


@rule("BE805", "email-verified-reset", "warning", "email_verified is true in the tenant but {state} here: the import would reset it to false", "backup")
def email_verified_reset(u, b):  # type: ignore[no-untyped-def]
    """A user verified in the tenant whose import object does not set `email_verified: true`.

    Why: when an import adds or updates a user's email, Auth0 sets email_verified to false
    unless the file says true: verified users would have to verify again.

    Example: backup `"email_verified": true`, import without `email_verified`.

    Fix: keep `"email_verified": true` in the import (emit copies it from the export).
    """
    if b.get("email_verified") is True and u.get("email_verified") is not True:
        state = "absent" if "email_verified" not in u else jsonio.dumps(u.get("email_verified")).decode()
        return [("email_verified", {"state": state})]
    return None


@rule(
    "BE806",
    "user-in-another-connection",
    "error",
    "user_id {user_id!r} belongs to connection {theirs!r} in the tenant; this file imports it into {connection!r}",
    "tenant",
)
def user_in_another_connection(u, tenant, connection):  # type: ignore[no-untyped-def]
    """A user whose user_id the tenant (the backup) has in another database connection.

    Why: an import job writes into the one connection it is given. A file that names no
    connection for its users (an Auth0 CSV export without the connection column, an
    import file) gets `--connection`, and users of another connection would be
    created there as new users, with the same email as the real ones.

    Example: backup `legacy-db` user `auth0|abc`, emitted with `--connection
    Username-Password-Authentication`.

    Fix: export the connection column (`identities[0].connection`), or emit each
    connection's users separately with its own `--connection`.
    """
    theirs = tenant.connection_elsewhere(u, connection)
    if theirs is None:
        return None
    return [("user_id", {"user_id": u.get("user_id"), "theirs": theirs, "connection": connection})]


@rule(
    "BE807",
    "custom-hash-for-existing-user",
    "warning",
    "custom_password_hash for a user the tenant already has: Auth0 refuses it (\"the user already has password hash "
    "defined\") when the user has a password, unless an earlier import set it and the user never logged in with it; "
    "an export cannot show whether a password exists",
    "backup",
)
def custom_hash_for_existing_user(u, b):  # type: ignore[no-untyped-def]
    """A `custom_password_hash` for a database user the backup shows already exists.

    Why: Auth0 answers "A custom_password_hash was provided, but the user already has
    password hash defined" for a user with a password; it updates the hash only of a user
    an earlier import gave one and who has not logged in with it yet. An export never holds
    password hashes, so bulkedit cannot tell which case a user is in: it warns for every
    existing user.

    Example: re-importing migrated users with their legacy hashes.

    Fix: import hashes only for new users; change existing users' passwords another way
    (password reset, Management API).
    """
    return [("custom_password_hash", {})] if "custom_password_hash" in u else None


@rule("BE808", "blocked-changed", "error", "blocked changes from {old} to {new}: an import cannot block or unblock a user (refused)", "backup")
def blocked_changed(u, b):  # type: ignore[no-untyped-def]
    """A change of `blocked` on an existing user.

    Why: an upsert does not update `blocked` ("this process cannot block multiple
    users"), so a file that blocks or unblocks users would silently leave them as they
    are. Like `edit` and `diff`, lint and emit refuse it.

    Example: backup `"blocked": false` (or no `blocked`), import `"blocked": true`.

    Fix: block or unblock users through the Management API (`PATCH /api/v2/users/{id}`),
    and keep the backup's `blocked` in the import.
    """
    if "blocked" not in u:
        return None
    old, new = b.get("blocked") is True, u["blocked"] is True
    if old == new:
        return None
    return [("blocked", {"old": jsonio.dumps(old).decode(), "new": jsonio.dumps(new).decode()})]
