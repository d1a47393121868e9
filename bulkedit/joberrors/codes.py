"""What each job-error code means, what to do about it, and whether a retry can help.

Codes are those of auth0-formats.md §3 (documented ones, PROFILE_SIZE_EXCEEDED from
older docs, INVALID_FORMAT seen in live answers) plus the JSON-schema validation
codes of the same family that an answer may carry. Any other code is kept and
shown as unknown, never dropped.

Each code has a retry policy:

- RETRY: the user's data was not at fault (the job could not run for it); a retry
  chunk with the same user can succeed as it is.
- FIX_FIRST: the user's data was rejected. The user is retried only when the
  source record now differs from what Auth0 received (it was fixed since) and the
  rebuilt user passes lint; otherwise it is listed with what to fix.
- NEVER: another retry of the same import cannot succeed (the conflicting user
  exists in the tenant, or the same email was twice in one file and the other copy
  was taken); the user is listed with what to do instead.
- EXISTS: the user already exists in the tenant. Retried (in an `upsert` chunk,
  which updates it) unless it carries a password hash or other thing an upsert
  does not apply, in which case it is listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RETRY = "retry"
FIX_FIRST = "fix-first"
NEVER = "never"
EXISTS = "exists"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class CodeInfo:
    code: str
    title: str
    meaning: str
    action: str
    policy: str
    #: names of lint rules that predict this failure (resolved to codes through the lint registry)
    lint_rules: tuple[str, ...] = ()
    known: bool = True

    def to_dict(self, lint_codes: list[str] | None = None) -> dict[str, Any]:
        return {
            "code": self.code,
            "known": self.known,
            "title": self.title,
            "meaning": self.meaning,
            "action": self.action,
            "retry_policy": self.policy,
            "lint": list(lint_codes or []),
        }


def _c(code: str, title: str, meaning: str, action: str, policy: str, *rules: str) -> CodeInfo:
    return CodeInfo(code, title, meaning, action, policy, tuple(rules))


_VALIDATION = "Fix the value in the edited export (at the path shown), then run errors -o again to build a retry chunk."

CODES: dict[str, CodeInfo] = {
    c.code: c
    for c in (
        _c(
            "DUPLICATED_USER",
            "user given twice, or already in the tenant",
            "Auth0 says one of three things: the email was given twice in the import (only one copy was taken); "
            "with upsert off, the user already exists in the connection; or, with upsert on, the user was left in "
            "the connection's internal store by an earlier automatic migration (Auth0's documented case). With "
            "--chunks, bulkedit tells them apart from the chunks and their manifest's upsert.",
            "Twice: keep one record per email in the edited export. Already exists without upsert: import it with "
            "upsert on (the retry chunk is marked for upsert). Left by a migration: upsert does not help; delete "
            "the connection user (DELETE /api/v2/connections/{id}/users?email=...) and import it again.",
            EXISTS,
            "duplicate-email",
            "duplicate-user-id",
        ),
        _c(
            "CONFLICT",
            "user already exists",
            "A user with this identity already exists in the connection and the job did not update it "
            "(upsert was off).",
            "Import it again with upsert on (the retry chunk is marked for upsert). A password hash cannot be "
            "changed this way: reset the password through the Management API instead.",
            EXISTS,
        ),
        _c(
            "CONFLICT_EMAIL",
            "email taken by another user",
            "The email is already used by a different user (another user_id) in this connection; upsert matches "
            "by email and will not merge two identities.",
            "Use the existing user's user_id, or drop user_id from the record so upsert matches on email, "
            "or change the email.",
            NEVER,
        ),
        _c(
            "CONFLICT_USERNAME",
            "username taken",
            "Another user of the connection already has this username.",
            "Choose another username for this user (or remove it), then retry.",
            FIX_FIRST,
            "duplicate-username",
        ),
        _c(
            "CONNECTION_NOT_FOUND",
            "connection not found",
            "The job named a connection that does not exist or is not a database connection; no user of the "
            "file was imported.",
            "Start the job again with the right connection_id; the users themselves need no change.",
            RETRY,
        ),
        _c(
            "ANY_OF_MISSING",
            "none of the allowed shapes matched",
            "The value fits none of the alternatives the schema allows, typically custom_password_hash or an "
            "mfa_factors item that is not exactly one of totp/phone/email.",
            _VALIDATION,
            FIX_FIRST,
            "custom-hash-options",
            "mfa-totp-secret",
            "phone-not-e164",
            "schema-violation",
        ),
        _c(
            "ONE_OF_MISSING",
            "not exactly one of the allowed shapes",
            "The value must match exactly one alternative of the schema (for example one kind of MFA factor).",
            _VALIDATION,
            FIX_FIRST,
            "schema-violation",
        ),
        _c(
            "ARRAY_LENGTH_LONG",
            "list too long",
            "A list has more items than allowed (mfa_factors takes at most 10).",
            _VALIDATION,
            FIX_FIRST,
            "schema-violation",
        ),
        _c(
            "ARRAY_LENGTH_SHORT",
            "list too short",
            "A list has fewer items than required (mfa_factors needs at least 1 when present).",
            _VALIDATION,
            FIX_FIRST,
            "schema-violation",
        ),
        _c(
            "ENUM_MISMATCH",
            "value not among the allowed ones",
            "The value is not one the schema lists (for example a custom_password_hash algorithm or encoding).",
            _VALIDATION,
            FIX_FIRST,
            "custom-hash-options",
            "schema-violation",
        ),
        _c(
            "FORMAT",
            "badly formatted value",
            "A string does not have the required format: an email address, a URL (picture), a date.",
            _VALIDATION,
            FIX_FIRST,
            "email-invalid",
            "schema-violation",
        ),
        _c(
            "INVALID_FORMAT",
            "badly formatted value",
            "A string does not have the required format (email address, URL); newer answers use this name for "
            "FORMAT.",
            _VALIDATION,
            FIX_FIRST,
            "email-invalid",
            "schema-violation",
        ),
        _c(
            "INVALID_TYPE",
            "wrong JSON type",
            "A field has the wrong JSON type: a string where a boolean is needed (\"true\" for email_verified), "
            "a number where a string is needed, metadata that is not an object.",
            _VALIDATION,
            FIX_FIRST,
            "email-verified-string",
            "schema-violation",
        ),
        _c(
            "MAX_LENGTH",
            "text too long",
            "A string is longer than allowed (name/given_name/family_name 150, nickname 300, username 128 or "
            "the tenant's limit, user_id 255, email 254).",
            _VALIDATION,
            FIX_FIRST,
            "name-length",
            "schema-violation",
        ),
        _c(
            "MIN_LENGTH",
            "text too short",
            "A string is shorter than allowed (an empty name, given_name or username).",
            _VALIDATION,
            FIX_FIRST,
            "name-length",
            "schema-violation",
        ),
        _c(
            "MAXIMUM",
            "number too large",
            "A number is above the allowed maximum (for example a scrypt parameter).",
            _VALIDATION,
            FIX_FIRST,
            "custom-hash-options",
        ),
        _c(
            "MINIMUM",
            "number too small",
            "A number is below the allowed minimum (for example scrypt keylen must be above 0).",
            _VALIDATION,
            FIX_FIRST,
            "custom-hash-options",
        ),
        _c(
            "PATTERN",
            "value does not match the required pattern",
            "A string does not match its pattern: a phone number not in E.164 (+ and up to 15 digits), a TOTP "
            "secret not in base32, a user_id with whitespace, a username with characters outside the allowed set, "
            "a bcrypt hash not starting $2a$/$2b$.",
            _VALIDATION,
            FIX_FIRST,
            "phone-not-e164",
            "mfa-totp-secret",
            "username-characters",
            "password-hash-not-bcrypt",
            "schema-violation",
        ),
        _c(
            "NOT_PASSED",
            "a forbidden combination",
            "The user breaks a 'must not' rule of the schema: for example both password_hash and "
            "custom_password_hash, or a username that is a full email address.",
            _VALIDATION,
            FIX_FIRST,
            "password-hash-with-custom",
            "username-characters",
        ),
        _c(
            "OBJECT_REQUIRED",
            "a required field is missing",
            "A required property is absent: email at the top level, or algorithm/hash/value inside "
            "custom_password_hash.",
            _VALIDATION,
            FIX_FIRST,
            "email-invalid",
            "custom-hash-options",
        ),
        _c(
            "OBJECT_MISSING_REQUIRED_PROPERTY",
            "a required field is missing",
            "A required property is absent (email at the top level, or part of custom_password_hash).",
            _VALIDATION,
            FIX_FIRST,
            "email-invalid",
            "custom-hash-options",
        ),
        _c(
            "OBJECT_ADDITIONAL_PROPERTIES",
            "a field the import does not accept",
            "The user has a key the import schema does not allow: an export-only field (created_at, identities, "
            "logins_count) or a renamed column (\"Family Name\").",
            "Build the import file with `bulkedit emit` (it drops and maps these fields), then retry.",
            FIX_FIRST,
            "unknown-field",
        ),
        _c(
            "MFA_FACTORS_FAILED",
            "MFA enrolment failed",
            "The user was processed but one or more of its mfa_factors could not be enrolled (a malformed TOTP "
            "secret, phone or email, or MFA not enabled for the factor).",
            "Check the factors (and that the factor type is enabled in the tenant), fix them in the edited export, "
            "then retry (the retry chunk is an upsert one, since the user itself may exist by now); or enrol the "
            "factor through the Management API.",
            FIX_FIRST,
            "mfa-totp-secret",
            "phone-not-e164",
        ),
        _c(
            "PROFILE_SIZE_EXCEEDED",
            "user profile too large",
            "The user's profile (mostly user_metadata and app_metadata) is above Auth0's size limit (about 10 KB).",
            "Shrink the metadata (move bulky data to your own store), then retry.",
            FIX_FIRST,
            "profile-too-large",
        ),
    )
}


#: Codes after which the user may exist in the tenant although the import failed: a retry goes in an upsert chunk.
MAY_EXIST: frozenset[str] = frozenset({"MFA_FACTORS_FAILED"})


def info(code: str) -> CodeInfo:
    """The explanation of `code`; unknown codes get one that says so and are never retried blindly."""
    found = CODES.get(code)
    if found is not None:
        return found
    return CodeInfo(
        code,
        "unknown code",
        "bulkedit does not know this code; Auth0's message for it is shown with each user.",
        "Read Auth0's message and the field path, fix the record if it names a problem, then retry; bulkedit "
        "does not retry users with unknown codes on its own.",
        UNKNOWN,
        known=False,
    )


def is_duplicate_in_file(message: str) -> bool:
    """DUPLICATED_USER has two meanings; this message says the email was twice in the same file."""
    low = message.lower()
    return "already provided" in low or "duplicated in" in low or "more than once" in low
