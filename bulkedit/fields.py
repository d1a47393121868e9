"""What bulkedit knows about Auth0's user fields (see shared/reference/auth0-formats.md).

One place for the names: which fields the import accepts, which only an export
has, which Dashboard/extension column names map back to which field, and the
JSON type each well-known field has.
"""

from __future__ import annotations

import re
from typing import Final

from bulkedit.paths import MISSING, Path, get_path

#: Top-level keys the import schema allows (additionalProperties: false).
IMPORT_FIELDS: Final = frozenset(
    {
        "email",
        "email_verified",
        "phone_number",
        "phone_verified",
        "user_id",
        "username",
        "given_name",
        "family_name",
        "name",
        "nickname",
        "picture",
        "blocked",
        "password_hash",
        "custom_password_hash",
        "app_metadata",
        "user_metadata",
        "mfa_factors",
    }
)

#: Keys an export (or the Management API's user object) has that the import rejects.
EXPORT_ONLY_FIELDS: Final = frozenset(
    {
        "created_at",
        "updated_at",
        "last_login",
        "last_ip",
        "last_password_reset",
        "logins_count",
        "identities",
        "multifactor",
        "multifactor_last_modified",
        "guardian_authenticators",
        "is_signup",
        "locale",
        "tenant",
        "connection",
        "provider",
        "isSocial",
    }
)

KNOWN_FIELDS: Final = IMPORT_FIELDS | EXPORT_ONLY_FIELDS

#: Fields an upsert does not update (cli.md, auth0-formats.md §1).
UPSERT_IGNORED: Final = frozenset({"email", "user_id", "username", "blocked", "password_hash"})

#: Edits that must never happen through a bulk import (edit refuses them, diff gates on them).
CONNECTION_PATH: Final[Path] = ("identities", 0, "connection")
FORBIDDEN_PATHS: Final[tuple[Path, ...]] = (("email",), ("user_id",), CONNECTION_PATH, ("blocked",))
FORBIDDEN_FIELDS: Final = frozenset(p[0] for p in FORBIDDEN_PATHS if len(p) == 1)

#: Fields an edit may change but an upsert does not update (edit warns, diff reports them apart).
IGNORED_BY_UPSERT: Final = UPSERT_IGNORED - FORBIDDEN_FIELDS

#: Keys app_metadata must not contain.
RESERVED_APP_METADATA_KEYS: Final = frozenset(
    {
        "__tenant",
        "_id",
        "blocked",
        "clientID",
        "created_at",
        "email_verified",
        "email",
        "globalClientID",
        "global_client_id",
        "identities",
        "lastIP",
        "lastLogin",
        "loginsCount",
        "metadata",
        "multifactor_last_modified",
        "multifactor",
        "updated_at",
        "user_id",
    }
)

#: Fields holding password hashes or MFA secrets (files with them are written 0600), in
#: the order messages name them.
SECRET_FIELD_ORDER: Final = ("password_hash", "custom_password_hash", "mfa_factors")
SECRET_FIELDS: Final = frozenset(SECRET_FIELD_ORDER)

#: JSON type of well-known scalar fields, used when a plain CSV or XLSX carries no type
#: information: "boolean", "integer", "string", or "date" (a string in Auth0's
#: `2022-04-26T00:07:05.098Z` form). A CSV cell is text already, so only booleans and
#: integers change it; an XLSX number, boolean or date cell in a string or date field
#: becomes that text.
FIELD_TYPES: Final[dict[str, str]] = {
    "email_verified": "boolean",
    "phone_verified": "boolean",
    "blocked": "boolean",
    "logins_count": "integer",
    "identities[0].isSocial": "boolean",
    **dict.fromkeys(
        ("user_id", "email", "username", "phone_number", "given_name", "family_name", "name", "nickname", "picture",
         "last_ip", "locale", "identities[0].connection", "identities[0].provider"),
        "string",
    ),
    **dict.fromkeys(("created_at", "updated_at", "last_login", "last_password_reset", "multifactor_last_modified"), "date"),
}

#: Column names used by the Dashboard and the old Import/Export extension.
_RENAMES: Final[dict[str, str]] = {
    "Id": "user_id",
    "User Id": "user_id",
    "Given Name": "given_name",
    "Family Name": "family_name",
    "Nickname": "nickname",
    "Name": "name",
    "Email": "email",
    "Email Verified": "email_verified",
    "Phone Number": "phone_number",
    "Phone Verified": "phone_verified",
    "Username": "username",
    "Picture": "picture",
    "Blocked": "blocked",
    "Connection": "identities[0].connection",
    "Provider": "identities[0].provider",
    "Is Social": "identities[0].isSocial",
    "Created At": "created_at",
    "Updated At": "updated_at",
    "Last Login": "last_login",
    "Last Ip": "last_ip",
    "Last IP": "last_ip",
    "Logins Count": "logins_count",
    "User Metadata": "user_metadata",
    "App Metadata": "app_metadata",
}


def normalise_name(name: str) -> str:
    """Case-, space-, dash- and underscore-insensitive form of a column name."""
    return re.sub(r"[\s_\-]+", "", name).lower()


_BY_NORMALISED: Final[dict[str, str]] = {normalise_name(k): v for k, v in _RENAMES.items()}
for _field in KNOWN_FIELDS:
    _BY_NORMALISED.setdefault(normalise_name(_field), _field)


def canonical_column(name: str) -> str | None:
    """The Auth0 field path a column/key name stands for, or None when it is not a known alias.

    Exact Auth0 names map to themselves (`--map` overrides are applied by the readers first).
    """
    if name in KNOWN_FIELDS:
        return name
    return _BY_NORMALISED.get(normalise_name(name))


def suggest_field(name: str) -> str | None:
    """The import field a misspelt name most likely meant (`emial` -> `email`), if any."""
    import difflib

    hit = canonical_column(name)
    if hit is not None and hit in IMPORT_FIELDS:
        return hit
    close = difflib.get_close_matches(name.lower(), sorted(IMPORT_FIELDS), n=1, cutoff=0.75)
    return close[0] if close else None


def user_connection(user: dict) -> str | None:  # type: ignore[type-arg]
    """The connection a user belongs to: `identities[0].connection`, or a top-level `connection`."""
    ids = user.get("identities")
    if type(ids) is list and ids and type(ids[0]) is dict:
        conn = ids[0].get("connection")
        if type(conn) is str:
            return conn
    conn = user.get("connection")
    return conn if type(conn) is str else None


#: The fields that can carry a user's connection, in the order emit reads them.
CONNECTION_CARRIERS: Final[tuple[Path, ...]] = (CONNECTION_PATH, ("connection",))


def connection_change(old: dict, new: dict) -> Path | None:  # type: ignore[type-arg]
    """The field through which `new` moves the user to another connection than `old`, or None.

    A user's connection is what emit imports it into (`user_connection`); a change of it,
    or of either field that can carry it, is a move, whichever field carries it.
    """
    for path in CONNECTION_CARRIERS:
        a, b = get_path(old, path), get_path(new, path)
        if a is not b and (type(a) is not type(b) or a != b):
            return path
    before, after = user_connection(old), user_connection(new)
    if before != after:  # the first identity replaced or removed: the connection now comes from elsewhere
        return CONNECTION_PATH if get_path(old, CONNECTION_PATH) is not MISSING or get_path(new, CONNECTION_PATH) is not MISSING else ("connection",)
    return None


#: The metadata objects: an upsert replaces each whole.
METADATA_FIELDS: Final = ("app_metadata", "user_metadata")

#: Auth0 answers 413 for a request over 512,000 bytes: the file plus its multipart envelope
#: (boundary, part headers, the connection_id and other form fields: a few hundred bytes).
REQUEST_LIMIT: Final = 512_000
#: The room left for that envelope.
ENVELOPE_ROOM: Final = 1_000
#: The largest import file one request can carry.
IMPORT_FILE_LIMIT: Final = REQUEST_LIMIT - ENVELOPE_ROOM
