"""BE2xx: the same user twice, within a file or across the files given together, per connection.

Each rule returns the key a user is known by; the engine remembers the first place
of each key (per connection) and reports every later one.
"""

from __future__ import annotations

from bulkedit.lint.rule import rule


@rule("BE201", "duplicate-email", "error", "email {value!r} already appears at {first} (same connection)", "duplicate")
def duplicate_email(u):  # type: ignore[no-untyped-def]
    """Two users of one connection with the same email, compared case-insensitively.

    Why: Auth0 stores emails lower-case and upserts match on email: the second user is
    rejected (DUPLICATED_USER in one file) or overwrites the first (across files).

    Example: `Ana@x.io` in chunk-0001.json and `ana@x.io` in chunk-0003.json.

    Fix: merge the two users into one, or remove one.
    """
    e = u.get("email")
    return e.lower() if type(e) is str else None


@rule("BE202", "duplicate-user-id", "error", "user_id {value!r} already appears at {first} (same connection)", "duplicate")
def duplicate_user_id(u):  # type: ignore[no-untyped-def]
    """Two users of one connection with the same user_id (with or without the `auth0|` prefix).

    Why: a user_id identifies one user; the second is rejected as a conflict.

    Example: `auth0|abc` and `abc` in the same export.

    Fix: remove the duplicate.
    """
    uid = u.get("user_id")
    if type(uid) is not str:
        return None
    return uid[6:] if uid.startswith("auth0|") else uid


@rule("BE203", "duplicate-username", "error", "username {value!r} already appears at {first} (same connection)", "duplicate")
def duplicate_username(u):  # type: ignore[no-untyped-def]
    """Two users of one connection with the same username.

    Why: usernames are unique per connection; the import reports CONFLICT_USERNAME.

    Example: two users with `"username": "jdoe"`.

    Fix: give one of them another username.
    """
    name = u.get("username")
    return name if type(name) is str else None
