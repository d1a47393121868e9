"""What a report may show of a user: the one registry of secret paths, and text safe for a terminal.

Reports (diff, edit, lint, errors, in every format) are made to be shared, so no
value that grants access is ever written to one: a password hash, a custom
hash's value, salt and HMAC key, an MFA factor's TOTP secret, recovery codes, and
the identity provider's tokens Auth0 exports with a social identity
(`identities[].access_token`, `refresh_token`, `access_token_secret`, returned
with the `read:user_idp_tokens` scope). A report says only that such a value was
added, changed or removed, with a marker `(secret, 60 chars)`. Data files
(edited exports, chunks, retry chunks) keep the secrets; they are written 0600.

Every renderer and message takes its masking from here: `mask(path, value)` by
where a value sits, `secret_values(user)` + `scrub(text, secrets)` for a secret
that an edit moved elsewhere (rename, template) or a message quotes, and
`scrub_hashes(text)` for free text from outside (Auth0's job messages).

`text_safe(s)` is the other half: user data printed as text (a user_id, a name,
a job answer's code) shows control characters escaped (`\\x1b`), never raw, so
a crafted export cannot clear the screen, retitle the terminal, plant a link or
overwrite a line.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from typing import Any, Final

from bulkedit.paths import MISSING, Path, PathError, parse_path

#: Keys whose value is a secret wherever it appears in a user (an identity's provider
#: tokens, a recovery code, a password hash copied into metadata).
SECRET_KEYS: Final = frozenset(
    {
        "password_hash",
        "access_token",
        "refresh_token",
        "access_token_secret",
        "id_token",
        "client_secret",
        "recovery_code",
        "recovery_codes",
        "otp_secret",
        "totp_secret",
    }
)
#: Top-level fields that are secret except for what they say about their form.
SECRET_ROOTS: Final = frozenset({"password_hash", "custom_password_hash", "mfa_factors"})
#: What a custom_password_hash says about its form, shown; its hash, salt and hmac key values are not.
HASH_FORM_KEYS: Final = frozenset({"algorithm", "encoding", "digest", "position", "keylen", "cost", "blockSize", "parallelization"})
#: An MFA factor's phone number or email address is contact data, shown (and masked by --redact); the rest is not.
FACTOR_CONTACTS: Final = frozenset({"phone", "email"})

#: Secrets shorter than this are masked where they sit, but not searched for in other text
#: (a two-letter test hash would otherwise blank every word that holds those letters).
MIN_SEARCHED = 6


#: What an identity carries that grants access at its provider.
IDENTITY_TOKENS: Final = frozenset({"access_token", "refresh_token", "access_token_secret"})


def holds_secret(user: dict[str, Any]) -> bool:
    """Whether a file holding `user` must be private (0600): a hash, an MFA secret, an identity's tokens."""
    if not SECRET_ROOTS.isdisjoint(user):
        return True
    ids = user.get("identities")
    return type(ids) is list and any(type(i) is dict and not IDENTITY_TOKENS.isdisjoint(i) for i in ids)


def is_secret(path: Path) -> bool:
    """Whether the scalar at `path` in a user must never be shown."""
    if not path:
        return False
    root = path[0]
    if root == "custom_password_hash":
        return not (len(path) > 1 and path[-1] in HASH_FORM_KEYS)
    if root == "mfa_factors":
        return not (len(path) > 2 and path[-1] == "value" and path[-2] in FACTOR_CONTACTS)
    return any(type(p) is str and p in SECRET_KEYS for p in path)


@functools.lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """`is_secret` for a dotted field path or column name (`custom_password_hash.salt.value`)."""
    try:
        return is_secret(parse_path(name))
    except PathError:
        return any(part in SECRET_KEYS for part in re.split(r"[.\[\]]+", name)) or name.split(".", 1)[0] in SECRET_ROOTS


def marker(value: Any) -> str:
    """What a report shows instead of a secret: that there is one, and its length."""
    if type(value) is str:
        return value if _MARKER.fullmatch(value) else f"(secret, {len(value)} chars)"
    return "(secret)"


_MARKER = re.compile(r"\(secret(?:, [0-9]+ chars)?\)")


def mask(path: Path, value: Any) -> Any:
    """`value` (found at `path` in a user) with every secret in it replaced by `marker()`.

    Absent values, null and booleans stay (they say only that there is no secret).
    """
    t = type(value)
    if t is dict:
        return {k: mask((*path, k), v) for k, v in value.items()}
    if t is list:
        return [mask((*path, i), v) for i, v in enumerate(value)]
    if value is MISSING or value is None or t is bool or not is_secret(path):
        return value
    return marker(value)


def mask_named(name: str | None, value: Any) -> Any:
    """`mask` for a value whose path is given as text (a change's or a sheet column's name)."""
    if value is MISSING or name is None:
        return value
    if type(value) in (dict, list):
        try:
            return mask(parse_path(name), value)
        except PathError:
            pass
    return marker(value) if (value is not None and type(value) is not bool and is_secret_name(name)) else value


#: A path under which every value counts as a secret (for values known to be secrets, found elsewhere).
SECRET_PATH: Final[Path] = ("password_hash",)


def secret_values(user: Any, path: Path = ()) -> set[str]:
    """Every secret string in `user` (what an edit could move elsewhere, or a message could quote)."""
    out: set[str] = set()
    _collect(user, path, out)
    return out


def _collect(value: Any, path: Path, out: set[str]) -> None:
    t = type(value)
    if t is dict:
        for k, v in value.items():
            _collect(v, (*path, k), out)
    elif t is list:
        for i, v in enumerate(value):
            _collect(v, (*path, i), out)
    elif t is str and len(value) >= MIN_SEARCHED and is_secret(path):
        out.add(value)
    elif t in (int, float) and is_secret(path) and len(str(value)) >= MIN_SEARCHED:
        out.add(str(value))


def _forms(secret: str) -> Iterable[str]:
    """How a secret can appear in text: as is, inside a Python repr, inside JSON."""
    yield secret
    yield repr(secret)[1:-1]
    yield json.dumps(secret)[1:-1]
    yield json.dumps(secret, ensure_ascii=False)[1:-1]


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every occurrence of each secret (and of any recognisable password hash) replaced by a marker."""
    for s in sorted(set(secrets), key=len, reverse=True):
        if len(s) < MIN_SEARCHED:
            continue
        for form in dict.fromkeys(_forms(s)):
            if form in text:
                text = text.replace(form, marker(s))
    return scrub_hashes(text)


def scrub_value(value: Any, secrets: Iterable[str]) -> Any:
    """`value` with `scrub` applied to every string in it (for values an edit built from a secret)."""
    secrets = secrets if isinstance(secrets, (set, frozenset)) else set(secrets)
    t = type(value)
    if t is str:
        if any(s in value for s in secrets if len(s) >= MIN_SEARCHED):
            return marker(value) if value in secrets else scrub(value, secrets)
        return value
    if t is dict:
        return {k: scrub_value(v, secrets) for k, v in value.items()}
    if t is list:
        return [scrub_value(v, secrets) for v in value]
    return value


#: Password hashes recognisable by their form (crypt/PHC strings, RFC 2307 prefixes), in free text.
_HASHES = re.compile(
    r"\$2[abxy]?\$[0-9]{2}\$[./A-Za-z0-9]{20,}"
    r"|\$(?:argon2(?:id|i|d)|pbkdf2(?:-[a-z0-9]+)?|scrypt|[156])\$[^\s\"'<>]{8,}"
    r"|\{(?:SSHA|SHA|SMD5|MD5|SSHA256|SSHA512|SHA256|SHA512|PBKDF2[-A-Z0-9]*)\}[A-Za-z0-9+/=]{8,}",
    re.IGNORECASE,
)


def scrub_hashes(text: str) -> str:
    """`text` with each string that has the form of a password hash replaced by a marker."""
    if "$" not in text and "{" not in text:
        return text
    return _HASHES.sub(lambda m: marker(m.group(0)), text)


# -- text safe for a terminal ----------------------------------------------------------------

#: C0 controls (tab and line feed too: inside one value they break a report's lines), DEL,
#: C1 controls, and the Unicode format characters that reorder or hide text (bidi marks,
#: overrides and isolates, zero-width characters, the line and paragraph separators).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group(0))
    if c <= 0xFF:
        return f"\\x{c:02x}"
    return f"\\u{c:04x}"


def text_safe(text: Any) -> str:
    """`text` as it may be printed: each control or bidi character shown as an escape (`\\x1b`, `\\u202e`)."""
    s = text if type(text) is str else str(text)
    return _UNSAFE.sub(_escape, s) if _UNSAFE.search(s) else s


def lines_safe(text: str) -> str:
    """A whole report or message: each line `text_safe`, the line breaks between them kept."""
    if not _UNSAFE.search(text):
        return text
    return "\n".join(text_safe(line) for line in text.split("\n"))
