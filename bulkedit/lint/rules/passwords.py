"""BE4xx: password_hash and custom_password_hash."""

from __future__ import annotations

import re

from bulkedit.io import jsonio
from bulkedit.lint.rule import rule

_BCRYPT = re.compile(r"^\$2[ab]\$10\$[./A-Za-z0-9]{53}$")
_ANY_BCRYPT = re.compile(r"^\$(2[abxy]?)\$([0-9]{2})\$")
_HEX = re.compile(r"^(?:[0-9a-fA-F]{2})+$")
#: base64 as Auth0 decodes it: standard or url-safe alphabet (`-`, `_`), `=` padding optional
_B64 = re.compile(r"^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$")
_ARGON2 = re.compile(r"^\$argon2(?:id|i|d)\$(?:v=[0-9]+\$)?m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$")
#: the digests Auth0 documents for pbkdf2 (the PHC id `pbkdf2-<digest>`): Node's OpenSSL names, case as written
PBKDF2_DIGESTS = (
    "RSA-MD4", "RSA-MD5", "RSA-MDC2", "RSA-RIPEMD160", "RSA-SHA1", "RSA-SHA1-2", "RSA-SHA224", "RSA-SHA256",
    "RSA-SHA384", "RSA-SHA512", "md4", "md4WithRSAEncryption", "md5", "md5WithRSAEncryption", "mdc2",
    "mdc2WithRSA", "ripemd", "ripemd160", "ripemd160WithRSA", "rmd160", "sha1", "sha1WithRSAEncryption",
    "sha224", "sha224WithRSAEncryption", "sha256", "sha256WithRSAEncryption", "sha384",
    "sha384WithRSAEncryption", "sha512", "sha512WithRSAEncryption", "ssl3-md5", "ssl3-sha1", "whirlpool",
)
_PBKDF2 = re.compile(
    r"^\$pbkdf2-(?:" + "|".join(map(re.escape, PBKDF2_DIGESTS)) + r")\$(?:i=[0-9]+,l=[0-9]+|i=[0-9]+|l=[0-9]+)?\$[A-Za-z0-9+/.]+\$[A-Za-z0-9+/.]+$"
)
_PBKDF2_ID = re.compile(r"^\$pbkdf2-([^$]*)\$")
_LDAP = re.compile(r"^\{([A-Za-z0-9-]+)\}.+$")
#: the RFC 2307 schemes Auth0 takes for ldap: the md5, smd5, sha and ssha families
LDAP_SCHEME = re.compile(r"^S?(?:MD5|SHA(?:1|224|256|384|512)?)$", re.IGNORECASE)
_BCRYPT_CUSTOM = re.compile(r"^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$")

ALGORITHMS = ("argon2", "bcrypt", "hmac", "ldap", "md4", "md5", "sha1", "sha256", "sha512", "pbkdf2", "scrypt")
UTF8_ONLY = {"bcrypt", "argon2", "pbkdf2", "ldap"}
NO_SALT = {"argon2", "pbkdf2", "ldap"}
BINARY = {"md4", "md5", "sha1", "sha256", "sha512", "hmac", "scrypt"}
DIGESTS = {"md4", "md5", "ripemd160", "sha1", "sha224", "sha256", "sha384", "sha512", "whirlpool"}


@rule("BE401", "password-hash-not-bcrypt", "error", "password_hash {problem}", "detail")
def password_hash_not_bcrypt(u, raw):  # type: ignore[no-untyped-def]
    """`password_hash` that is not a bcrypt hash with prefix `$2a$` or `$2b$` and cost 10.

    Why: the import only accepts bcrypt `$2a$`/`$2b$` hashes of cost 10 in
    `password_hash`; other hashes must go in `custom_password_hash`.

    Example: `"password_hash": "$2y$10$..."` or `"$2b$12$..."` or an MD5 hex digest.

    Fix: move the hash into `custom_password_hash` with the right algorithm
    (`{"algorithm": "bcrypt", "hash": {"value": "$2y$12$..."}}`).
    """
    h = u.get("password_hash")
    if h is None and "password_hash" not in u:
        return None
    if type(h) is not str:
        return [("password_hash", {"problem": "must be a string"})]
    if _BCRYPT.match(h):
        return None
    m = _ANY_BCRYPT.match(h)
    if m and m.group(1) == "2y":
        problem = "has prefix $2y$; only $2a$ and $2b$ are accepted here (custom_password_hash takes $2y$: algorithm bcrypt)"
    elif m and m.group(1) not in ("2a", "2b"):
        problem = (f"has prefix ${m.group(1)}$, which Auth0 takes neither here nor in custom_password_hash (only $2a$, $2b$ "
                   "and, there, $2y$): such users cannot bring their password and must reset it")
    elif m and m.group(2) != "10":
        problem = f"has cost {m.group(2)}; the import accepts only cost 10 (use custom_password_hash)"
    elif m:
        problem = "is not a complete bcrypt hash (53 characters of salt and hash after the cost)"
    else:
        problem = "is not a bcrypt hash ($2a$/$2b$, cost 10); put other hashes in custom_password_hash"
    return [("password_hash", {"problem": problem})]


@rule("BE402", "password-hash-with-custom", "error", "password_hash and custom_password_hash are both given", "detail")
def password_hash_with_custom(u, raw):  # type: ignore[no-untyped-def]
    """A user with both `password_hash` and `custom_password_hash`.

    Why: the two are mutually exclusive in the import schema; the user is rejected.

    Example: `{"password_hash": "$2b$10$...", "custom_password_hash": {...}}`.

    Fix: keep one of them.
    """
    if "password_hash" in u and "custom_password_hash" in u:
        return [("custom_password_hash", {})]
    return None


def _value_problem(obj: dict, where: str) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    enc = obj.get("encoding")
    v = obj.get("value")
    if type(v) is not str:
        return []
    if enc == "hex" and not _HEX.match(v):
        return [(f"{where}.value", {"problem": "is not valid hex (pairs of 0-9a-f)"})]
    if enc == "base64" and not _B64.match(v):
        return [(f"{where}.value", {"problem": "is not valid base64 (A-Z a-z 0-9 and + / or the url-safe - _, = padding optional)"})]
    return []


@rule("BE403", "custom-hash-value", "error", "custom_password_hash value {problem}", "detail")
def custom_hash_value(u, raw):  # type: ignore[no-untyped-def]
    """A `custom_password_hash` whose value does not have the form its algorithm needs.

    Why: Auth0 checks the form per algorithm: argon2 and pbkdf2 need PHC strings
    (`$argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>`, `$pbkdf2-sha256$i=100000,l=64$<salt>$<hash>`,
    base64 without padding), bcrypt `$2a$`/`$2b$`/`$2y$`, ldap an RFC 2307 `{SCHEME}` prefix
    of the md5, smd5, sha or ssha families (`{MD5}`, `{SMD5}`, `{SHA}`, `{SSHA}`, `{SHA256}`,
    `{SSHA512}`, ...: not `{CRYPT}` or `{PBKDF2}`); hex and base64 values (hash, salt, hmac
    key) must decode (base64 in the standard or the url-safe alphabet, padded or not).
    pbkdf2 takes the digests Auth0 documents: RSA-MD4, RSA-MD5, RSA-MDC2, RSA-RIPEMD160,
    RSA-SHA1, RSA-SHA1-2, RSA-SHA224, RSA-SHA256, RSA-SHA384, RSA-SHA512, md4,
    md4WithRSAEncryption, md5, md5WithRSAEncryption, mdc2, mdc2WithRSA, ripemd, ripemd160,
    ripemd160WithRSA, rmd160, sha1, sha1WithRSAEncryption, sha224, sha224WithRSAEncryption,
    sha256, sha256WithRSAEncryption, sha384, sha384WithRSAEncryption, sha512,
    sha512WithRSAEncryption, ssl3-md5, ssl3-sha1, whirlpool.

    Example: `{"algorithm": "ldap", "hash": {"value": "{CRYPT}$1$..."}}`.

    Fix: re-encode the hash in the form its algorithm takes, or pick the right algorithm.
    """
    c = u.get("custom_password_hash")
    if type(c) is not dict:
        return None
    algo = c.get("algorithm")
    h = c.get("hash")
    if type(h) is not dict:
        return None
    out = _value_problem(h, "custom_password_hash.hash")
    if type(h.get("key")) is dict:
        out += _value_problem(h["key"], "custom_password_hash.hash.key")
    if type(c.get("salt")) is dict:
        out += _value_problem(c["salt"], "custom_password_hash.salt")
    v = h.get("value")
    if type(v) is str:
        where = "custom_password_hash.hash.value"
        if algo == "bcrypt" and not _BCRYPT_CUSTOM.match(v):
            m = _ANY_BCRYPT.match(v)
            why = f"has prefix ${m.group(1)}$ (only $2a$, $2b$, $2y$)" if m else "is not a bcrypt hash ($2a$, $2b$ or $2y$)"
            out.append((where, {"problem": why}))
        elif algo == "argon2" and not _ARGON2.match(v):
            out.append((where, {"problem": "is not an argon2 PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash)"}))
        elif algo == "pbkdf2" and not _PBKDF2.match(v):
            m = _PBKDF2_ID.match(v)
            if m and m.group(1) not in PBKDF2_DIGESTS:  # (the value is a secret: only the digest is named)
                why = f"names digest {m.group(1)[:40]!r}, which Auth0 does not take (sha256, sha512, RSA-SHA256, ...; see the rule's docs)"
            else:
                why = "is not a pbkdf2 PHC string ($pbkdf2-<digest>$i=<iter>,l=<keylen>$salt$hash, base64 without '=')"
            out.append((where, {"problem": why}))
        elif algo == "ldap":
            m = _LDAP.match(v)
            if not m:
                out.append((where, {"problem": "has no RFC 2307 scheme prefix such as {SSHA}"}))
            elif not LDAP_SCHEME.match(m.group(1)):
                out.append((where, {"problem": f"uses {{{m.group(1)}}}; Auth0 takes only the {{MD5}}, {{SMD5}}, {{SHA}} and {{SSHA}} "
                                               "families (e.g. {SHA256}, {SSHA512})"}))
    return out or None


@rule("BE404", "custom-hash-options", "error", "custom_password_hash {problem}", "detail")
def custom_hash_options(u, raw):  # type: ignore[no-untyped-def]
    """A `custom_password_hash` whose options do not fit its algorithm.

    Why: per algorithm the import requires: utf8 encoding and no salt object for argon2,
    pbkdf2 and ldap (the salt is inside the value); hex or base64 for md4/md5/sha*,
    hmac and scrypt; `digest` and `key` for hmac; `keylen` for scrypt; `cost` a power of two.

    Example: `{"algorithm": "scrypt", "hash": {"value": "ab12", "encoding": "hex"}}` (no keylen).

    Fix: add or remove the options named in the message.
    """
    c = u.get("custom_password_hash")
    if type(c) is not dict:
        return None
    algo = c.get("algorithm")
    out: list[tuple[str, str]] = []
    if algo not in ALGORITHMS:
        out.append(("custom_password_hash.algorithm", f"algorithm {algo!r} is not one of {', '.join(ALGORITHMS)}"))
        return [(p, {"problem": m}) for p, m in out]
    h = c.get("hash")
    if type(h) is not dict:
        what = "has no hash object" if h is None else f"has a hash that is {jsonio.json_type(h)}, not an object"
        out.append(("custom_password_hash.hash", f"{what}: it is required ({{\"value\": ..., \"encoding\": ...}})"))
        h = {}
    enc = h.get("encoding")
    if h and algo in UTF8_ONLY and enc not in (None, "utf8"):
        out.append(("custom_password_hash.hash.encoding", f"encoding {enc!r}: {algo} takes utf8 only"))
    if h and algo in BINARY and enc not in ("hex", "base64"):
        out.append(("custom_password_hash.hash.encoding", f"encoding {enc!r}: {algo} needs hex or base64"))
    if algo in NO_SALT and "salt" in c:
        out.append(("custom_password_hash.salt", f"has a salt object; {algo} carries its salt inside the hash value"))
    if algo == "hmac" and h:
        if h.get("digest") not in DIGESTS:
            out.append(("custom_password_hash.hash.digest", f"hmac needs digest, one of {', '.join(sorted(DIGESTS))}"))
        if type(h.get("key")) is not dict or not h["key"].get("value"):
            out.append(("custom_password_hash.hash.key", "hmac needs key.value"))
    if algo == "scrypt":
        k = c.get("keylen")
        if type(k) is not int or k <= 0:
            out.append(("custom_password_hash.keylen", "scrypt needs keylen, an integer > 0"))
    cost = c.get("cost")
    if cost is not None and (type(cost) is not int or cost < 2 or cost & (cost - 1)):
        out.append(("custom_password_hash.cost", f"cost {cost!r} is not a power of two > 1"))
    return [(p, {"problem": m}) for p, m in out] or None
