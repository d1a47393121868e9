"""BE1xx: the user object's structure: schema, field names, user_id."""

from __future__ import annotations

from bulkedit import fields
from bulkedit.lint.rule import rule


@rule("BE100", "schema-violation", "error", "{message}", "schema")
def schema_violation():  # type: ignore[no-untyped-def]
    """The user breaks the import schema (`schemas/auth0-import-user.schema.json`) at this JSON path.

    Why: Auth0 validates every user against its import schema and rejects the user
    (the job's errors list INVALID_TYPE, PATTERN, MAX_LENGTH, ...). Reported only where
    no more specific rule (BE101-BE606) already explained the problem.

    Example: `"blocked": "no"` -> `blocked: "no" is not of type "boolean"`.

    Fix: give the field the type and form the schema asks for.
    """
    return None


@rule("BE101", "unknown-field", "error", "{field!r} is not a field the import accepts{hint}", "detail")
def unknown_field(u, raw):  # type: ignore[no-untyped-def]
    """A top-level key that is neither an import field nor one emit knows how to drop or rename.

    Why: the import schema sets `additionalProperties: false`: any other key makes the
    user invalid. Most such keys are typos (`emial`, `family-name`) or custom fields that
    belong in `user_metadata`.

    Example: `{"email": "a@x.io", "emial_verified": true}`.

    Fix: correct the name (the message suggests one), or move the value into
    `user_metadata`/`app_metadata`.
    """
    out = []
    for key in u:
        if key not in fields.IMPORT_FIELDS:
            guess = fields.suggest_field(key)
            hint = f" (did you mean {guess!r}?)" if guess else " (custom data belongs in user_metadata or app_metadata)"
            out.append((key, {"field": key, "hint": hint}))
    return out


@rule("BE102", "user-id-prefix", "error", "user_id {user_id!r} carries the 'auth0|' prefix: the import would make it 'auth0|{user_id}'", "import")
def user_id_prefix(u, raw):  # type: ignore[no-untyped-def]
    """An import file whose user_id still has the `auth0|` prefix.

    Why: the import prepends the strategy itself, so the user is created as
    `auth0|auth0|...`, a different user. (In an export, emit strips it: BE002.)

    Example: `[{"email": "a@x.io", "user_id": "auth0|62d1a1"}]`.

    Fix: strip the prefix (`"user_id": "62d1a1"`), or run `bulkedit emit` on the export.
    """
    uid = u.get("user_id")
    if type(uid) is str and uid.startswith("auth0|"):
        return [("user_id", {"user_id": uid})]
    return None


@rule("BE103", "non-database-user", "error", "user_id {user_id!r} belongs to strategy {strategy!r}, which a database import cannot create", "import")
def non_database_user(u, raw):  # type: ignore[no-untyped-def]
    """An import file holding a user of a social or enterprise strategy.

    Why: only database users can be bulk-imported; `google-oauth2|1093...` would be
    created as a database user with a mangled id. (In an export, emit leaves such users
    out: BE004.)

    Example: `[{"email": "a@x.io", "user_id": "google-oauth2|1093"}]`.

    Fix: remove the user from the import file.
    """
    uid = u.get("user_id")
    if type(uid) is str and "|" in uid:
        strategy = uid.split("|", 1)[0]
        if strategy != "auth0":
            return [("user_id", {"user_id": uid, "strategy": strategy})]
    return None
