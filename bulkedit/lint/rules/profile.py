"""BE6xx: metadata, profile size, names, username."""

from __future__ import annotations

import re

from bulkedit import fields
from bulkedit.importfile.convert import to_import_user
from bulkedit.io import jsonio
from bulkedit.lint.rule import rule
from bulkedit.paths import format_path

PROFILE_LIMIT = 10 * 1024
NAME_LIMITS = {"given_name": 150, "family_name": 150, "name": 300, "nickname": 300}
NAME_CONSERVATIVE = 150
_USERNAME = re.compile(r"^[A-Za-z0-9@^$.!#+'~_`-]+$")
_EMAIL_LIKE = re.compile(r"^[^@]+@[^@]+\.[^@]+$")


@rule("BE601", "reserved-app-metadata-key", "error", "app_metadata key {key!r} is reserved by Auth0", "detail")
def reserved_app_metadata_key(u, raw):  # type: ignore[no-untyped-def]
    """`app_metadata` holding a key Auth0 reserves (`email`, `user_id`, `blocked`, `_id`, ...).

    Why: these names are Auth0's own user attributes; the import rejects the user.

    Example: `"app_metadata": {"email": "old@x.io"}`.

    Fix: rename the key (`legacy_email`).
    """
    am = u.get("app_metadata")
    if type(am) is not dict:
        return None
    bad = [k for k in am if k in fields.RESERVED_APP_METADATA_KEYS]
    return [(format_path(("app_metadata", k)), {"key": k}) for k in bad] or None


@rule("BE602", "metadata-key-name", "error", "metadata key {key!r} contains {char!r}", "detail")
def metadata_key_name(u, raw):  # type: ignore[no-untyped-def]
    """A metadata key (at any depth) whose name contains `.` or `$`.

    Why: Auth0 does not allow `.` or `$` in metadata field names; the user is rejected.
    A spreadsheet column `user_metadata.a.b` is read as nesting, but a JSON key `"a.b"`
    stays one key.

    Example: `"user_metadata": {"prefs.lang": "de"}`.

    Fix: rename the key (`prefs_lang`) or nest it (`{"prefs": {"lang": "de"}}`).
    """
    out = []
    for top in fields.METADATA_FIELDS:
        if type(u.get(top)) is dict:
            _walk_keys(u[top], (top,), out)
    return out or None


def _walk_keys(obj, prefix, out):  # type: ignore[no-untyped-def]
    if type(obj) is dict:
        for k, v in obj.items():
            p = prefix + (k,)
            if "." in k or "$" in k:
                out.append((format_path(p), {"key": k, "char": "." if "." in k else "$"}))
            _walk_keys(v, p, out)
    elif type(obj) is list:
        for i, v in enumerate(obj):
            _walk_keys(v, prefix + (i,), out)


@rule("BE603", "profile-too-large", "warning", "user profile is {size:,} bytes, over Auth0's {limit:,}-byte limit", "user",
      gate=PROFILE_LIMIT)
def profile_too_large(u, raw):  # type: ignore[no-untyped-def]
    """A user whose import object (mostly metadata) is over 10 KB encoded.

    Why: Auth0 limits a user profile to about 10 KB; writes above it may fail
    (PROFILE_SIZE_EXCEEDED) now or on a later update.

    Example: `user_metadata` holding a base64 avatar image.

    Fix: move bulky data out of metadata (store a reference instead).
    """
    size = _import_size(u, PROFILE_LIMIT)
    return [(None, {"size": size, "limit": PROFILE_LIMIT})] if size > PROFILE_LIMIT else None


#: The longest user one import file can hold: Auth0's file limit less the array's brackets.
USER_LIMIT = fields.IMPORT_FILE_LIMIT - 2


@rule("BE607", "user-too-large-for-import", "error", "user is {size:,} bytes encoded; one import file holds at most {limit:,}", "user",
      gate=USER_LIMIT)
def user_too_large_for_import(u, raw):  # type: ignore[no-untyped-def]
    """A user whose import object alone is larger than one import file may be.

    Why: Auth0 accepts at most 512,000 bytes a request, 511,000 of them for the file
    (rule BE701); a user that large fits in no chunk, so `emit` refuses the whole file.

    Example: `user_metadata` holding a 600 KB document.

    Fix: move the bulky data out of metadata (store a reference instead).
    """
    size = _import_size(u, USER_LIMIT)
    return [(None, {"size": size, "limit": USER_LIMIT})] if size > USER_LIMIT else None


def _import_size(u, limit):  # type: ignore[no-untyped-def]
    """The encoded size of `u` as imported (without export-only fields), when over `limit`;
    else a size at most `limit`."""
    size = len(jsonio.dumps(u))
    if size > limit:  # judge the import form: what Auth0 stores, without export-only fields
        size = len(jsonio.dumps(to_import_user(u).user))
    return size


@rule("BE604", "name-length", "error", "{field} {problem}", "detail")
def name_length(u, raw):  # type: ignore[no-untyped-def]
    """`given_name`/`family_name` over 150 characters, `name`/`nickname` over 300, or empty.

    Why: the import schema limits these lengths (1-150 for given and family name; the
    documents disagree for name and nickname, bulkedit uses the stricter 300) and
    rejects the user (MAX_LENGTH, MIN_LENGTH).

    Example: a `name` of 400 characters pasted from a notes column.

    Fix: shorten the value (or remove an empty field).
    """
    out = []
    for f, limit in NAME_LIMITS.items():
        v = u.get(f)
        if type(v) is str:
            if not v:
                out.append((f, {"field": f, "problem": "is empty (at least 1 character, or leave the field out)"}))
            elif len(v) > limit:
                out.append((f, {"field": f, "problem": f"has {len(v)} characters (at most {limit})"}))
    return out or None


@rule("BE605", "name-over-profile-limit", "warning", "name has {length} characters; the profile documentation allows {limit}", "user")
def name_over_profile_limit(u, raw):  # type: ignore[no-untyped-def]
    """A `name` of 151-300 characters.

    Why: Auth0's documents disagree (150 on the profile page, 300 in the users API);
    such a name may be rejected or cut.

    Example: `"name": "<200 characters>"`.

    Fix: shorten it to 150 characters to be safe.
    """
    v = u.get("name")
    if type(v) is str and len(v) > NAME_CONSERVATIVE and len(v) <= NAME_LIMITS["name"]:
        return [("name", {"length": len(v), "limit": NAME_CONSERVATIVE})]
    return None


@rule("BE606", "username-characters", "error", "username {value!r} {problem}", "detail")
def username_characters(u, raw):  # type: ignore[no-untyped-def]
    """A username with characters Auth0 does not allow, an email address, or a bad length.

    Why: usernames may hold ASCII letters, digits and `@ ^ $ . ! - # + ' ~ _` and the
    backtick, 1-128 characters (tenant setting, default 1-15), and must not be a full
    email address.

    Example: `"username": "José Smith"` (space and accent), `"username": "a@x.io"`.

    Fix: choose a username of the allowed characters.
    """
    v = u.get("username")
    if "username" not in u:
        return None
    if type(v) is not str:
        return [("username", {"value": v, "problem": "is not a string"})]
    if not v or len(v) > 128:
        return [("username", {"value": v, "problem": f"has {len(v)} characters (1-128)"})]
    if not _USERNAME.match(v):
        bad = sorted({c for c in v if not _USERNAME.match(c)})
        return [("username", {"value": v, "problem": "contains " + ", ".join(repr(c) for c in bad)})]
    if _EMAIL_LIKE.match(v):
        return [("username", {"value": v, "problem": "is an email address, which Auth0 does not allow as username"})]
    return None
