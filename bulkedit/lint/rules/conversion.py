"""BE0xx: what `emit` changes on its own. Info findings: nothing to fix, but worth knowing."""

from __future__ import annotations

from bulkedit.importfile.convert import Conversion
from bulkedit.lint.rule import rule


@rule("BE001", "export-only-field", "info", "emit drops export-only field {field} ({count:,} users)", "conversion", aggregate=True)
def export_only_field(conv: Conversion):  # type: ignore[no-untyped-def]
    """An export carries fields the import rejects; emit drops them.

    Why: the import schema allows no other top-level keys than the import fields, so
    `created_at`, `identities`, `logins_count`, `last_login` ... make a user invalid.
    Emit removes them and counts them in its summary; this finding says how many.

    Example: `{"email": "a@x.io", "logins_count": 3}` -> emit writes `{"email": "a@x.io"}`.

    Fix: nothing; import the output of `bulkedit emit`, not the export itself.
    """
    return [(f, {"field": f}) for f in conv.dropped]


@rule("BE002", "strip-user-id-prefix", "info", "emit strips 'auth0|' from user_id ({count:,} users)", "conversion", aggregate=True)
def strip_user_id_prefix(conv: Conversion):  # type: ignore[no-untyped-def]
    """The export's user_id carries the strategy prefix; emit removes it.

    Why: the import prepends `auth0|` itself, so `auth0|62d1a1` would become
    `auth0|auth0|62d1a1`: a new user with a wrong id.

    Example: `"user_id": "auth0|62d1a1"` -> `"user_id": "62d1a1"`.

    Fix: nothing; emit does it.
    """
    return [("user_id", {})] if conv.stripped_prefix else None


@rule("BE003", "renamed-column", "info", "column {column!r} is read as {field}", "file")
def renamed_column(fctx):  # type: ignore[no-untyped-def]
    """A Dashboard or extension column (or key) name that bulkedit maps back to the Auth0 field.

    Why: the import only knows Auth0's field names; "Family Name" is rejected as an
    unknown key. bulkedit reads it as `family_name` and emit writes that name.

    Example: a CSV header `Id,Given Name,Family Name,Email Verified`.

    Fix: nothing when you emit; rename the column if you import the file another way.
    """
    return [(None, field, {"column": col, "field": field}) for col, field in fctx.source.renamed.items()]


@rule("BE004", "non-database-user-left-out", "info", "emit leaves this user out: {reason}", "conversion")
def non_database_user_left_out(conv: Conversion):  # type: ignore[no-untyped-def]
    """A user of a social or enterprise strategy (`google-oauth2|...`, `samlp|...`).

    Why: a bulk import only creates users in a database connection; such a user
    cannot be imported and would become a different (database) user.

    Example: `"user_id": "google-oauth2|1093..."`.

    Fix: nothing; emit leaves the user out and lists it in the manifest's `left_out`.
    """
    return None if conv.importable else [("user_id", {"reason": conv.reason})]
