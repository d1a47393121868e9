"""BE3xx: email and email_verified.

bulkedit's own email rule (validators disagree on `format: email`, see docs/commands/lint.md):
one `@`; a local part of 1-64 characters without whitespace, quotes, `(),:;<>[]\\`,
and without a leading, trailing or doubled dot; a domain of two or more dot-separated
labels; at most 254 characters in all. Non-ASCII letters are allowed (internationalised
addresses), and so is an `xn--` top-level domain. The same rule is the `email` pattern of
schemas/auth0-import-user.schema.json. A top-level domain of one character or with digits
(other than `xn--`) is only a warning (BE304): Auth0's own schema says `format: email`.
"""

from __future__ import annotations

import re

from bulkedit.lint.rule import rule

_BAD_CHARS = re.compile(r'[\s"(),:;<>\[\]\\]')
_DOMAIN_LABEL = re.compile(r'^[^\s@"(),:;<>\[\]\\.]+$')


def email_problem(email: object) -> str | None:
    """Why `email` breaks bulkedit's email rule, or None when it follows it."""
    if type(email) is not str:
        return f"is {type(email).__name__}, not a string" if email is not None else "is null"
    if not email:
        return "is empty"
    if len(email) > 254:
        return f"has {len(email)} characters (at most 254)"
    if email.count("@") != 1:
        return "must hold exactly one '@'"
    local, domain = email.split("@")
    bad = _BAD_CHARS.search(email)
    if bad:
        ch = bad.group()
        return f"contains {'whitespace' if ch.isspace() else repr(ch)}"
    if not local:
        return "has nothing before '@'"
    if len(local) > 64:
        return f"has a local part of {len(local)} characters (at most 64)"
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return "has a leading, trailing or doubled '.' before '@'"
    labels = domain.split(".")
    if len(labels) < 2:
        return f"has no top-level domain after '@' ({domain!r})"
    if any(not _DOMAIN_LABEL.match(label) for label in labels):
        return f"has an empty or malformed domain label in {domain!r}"
    return None


def tld_problem(email: object) -> str | None:
    """Why an address's top-level domain looks like no registry's (one character, or digits
    outside an internationalised `xn--` label), or None. A warning only: Auth0's schema
    asks just for `format: email`."""
    if type(email) is not str or "." not in email:
        return None
    tld = email.rpartition(".")[2]
    if tld[:4].lower() == "xn--":
        return None
    if len(tld) < 2 or any(c.isdigit() for c in tld):
        return f"has an unusual top-level domain {tld!r} (one character, or digits)"
    return None


@rule("BE301", "email-invalid", "error", "email {email!r} {problem}", "detail")
def email_invalid(u, raw):  # type: ignore[no-untyped-def]
    """The email is missing or not a valid address under bulkedit's email rule.

    Why: email is required and is the key an upsert matches on; Auth0 rejects the user
    (FORMAT) when it is not an address.

    Example: `"email": "ana@example"`, `"email": "ana..b@x.io"`, `"email": " ana@x.io"`.

    Fix: correct the address; a user without a usable email cannot be imported.
    """
    if "email" not in u:
        return [("email", {"email": None, "problem": "is missing (required)"})]
    problem = email_problem(u["email"])
    return [("email", {"email": u["email"], "problem": problem})] if problem else None


@rule("BE302", "email-not-normalised", "warning", "email {email!r} is not lower-case; Auth0 stores {lower!r}", "user")
def email_not_normalised(u, raw):  # type: ignore[no-untyped-def]
    """An email with upper-case letters.

    Why: Auth0 stores emails lower-case and matches upserts on the lower-case form; a
    mixed-case email hides duplicates from a reader and differs from the stored value.

    Example: `"email": "Ana.Smith@X.io"`.

    Fix: usually nothing (Auth0 lower-cases it); lower-case it in the edit if you compare
    files by email.
    """
    e = u.get("email")
    if type(e) is str and not e.islower() and e != e.lower():
        return [("email", {"email": e, "lower": e.lower()})]
    return None


@rule("BE303", "email-verified-string", "error", "email_verified is the string {value!r}, not true/false", "detail")
def email_verified_string(u, raw):  # type: ignore[no-untyped-def]
    """`email_verified` given as a string ("true") instead of a JSON boolean.

    Why: the schema wants a boolean; a spreadsheet or plain CSV often turns it into text.
    Auth0 rejects the user (INVALID_TYPE).

    Example: `"email_verified": "true"`.

    Fix: `"email_verified": true` (read the CSV with bulkedit's type information, or fix
    the column).
    """
    for field in ("email_verified", "phone_verified"):
        v = u.get(field)
        if type(v) is str:
            return [(field, {"value": v})]
    return None


@rule("BE304", "email-unusual-tld", "warning", "email {email!r} {problem}: check the address", "detail")
def email_unusual_tld(u, raw):  # type: ignore[no-untyped-def]
    """An email, or an MFA email factor's address, whose top-level domain is one character long or holds digits.

    Why: no registry hands out such top-level domains, so the address is most likely
    mistyped (`ana@x.c0m`); Auth0's schema only asks for `format: email`, so the import may
    still take it. An MFA email factor enrolled at a mistyped address sends the user's
    one-time codes nowhere. Internationalised top-level domains (`user@example.xn--p1ai`)
    are fine.

    Example: `"email": "ana@example.c0m"`, `"email": "ana@example.c"`,
    `"mfa_factors": [{"email": {"value": "ana@example.c0m"}}]`.

    Fix: correct the address if it is a typo; ignore the finding otherwise.
    """
    out = []
    e = u.get("email")
    if email_problem(e) is None:  # (else BE301 says what is wrong)
        problem = tld_problem(e)
        if problem:
            out.append(("email", {"email": e, "problem": problem}))
    factors = u.get("mfa_factors")
    for i, f in enumerate(factors if type(factors) is list else ()):
        v = f.get("email") if type(f) is dict else None
        value = v.get("value") if type(v) is dict else None
        if email_problem(value) is None:  # (a malformed one breaks the schema: BE100)
            problem = tld_problem(value)
            if problem:
                out.append((f"mfa_factors[{i}].email.value", {"email": value, "problem": problem}))
    return out or None
