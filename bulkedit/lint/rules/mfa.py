"""BE5xx: mfa_factors and phone numbers."""

from __future__ import annotations

import re

from bulkedit.lint.rule import rule

E164 = re.compile(r"^\+[0-9]{1,15}$")
_BASE32 = re.compile(r"^[A-Z2-7]+$")


@rule("BE501", "mfa-totp-secret", "error", "TOTP secret {problem}", "detail")
def mfa_totp_secret(u, raw):  # type: ignore[no-untyped-def]
    """A TOTP factor whose secret is not upper-case unpadded base32 (`^[A-Z2-7]+$`).

    Why: Auth0 rejects the factor (MFA_FACTORS_FAILED); authenticator exports often
    write the secret lower-case or with `=` padding.

    Example: `{"totp": {"secret": "jbswy3dpehpk3pxp===="}}`.

    Fix: upper-case the secret and strip the `=` padding (`JBSWY3DPEHPK3PXP`).
    """
    out = []
    for i, f in enumerate(_factors(u)):
        t = f.get("totp") if type(f) is dict else None
        if type(t) is not dict:
            continue
        s = t.get("secret")
        if type(s) is not str:
            problem = "is missing or not a string"
        elif _BASE32.match(s):
            continue
        elif s.rstrip("=") != s:
            problem = "has '=' padding; strip it"
        elif _BASE32.match(s.upper()):
            problem = "is lower-case; upper-case it"
        else:
            problem = "is not base32 (A-Z and 2-7 only)"
        out.append((f"mfa_factors[{i}].totp.secret", {"problem": problem}))
    return out or None


@rule("BE502", "phone-not-e164", "error", "phone number {value!r} is not E.164 (+ and 1-15 digits)", "detail")
def phone_not_e164(u, raw):  # type: ignore[no-untyped-def]
    """A phone MFA factor or `phone_number` not in E.164 form.

    Why: the schema asks for `^\\+[0-9]{1,15}$`; spaces, dashes, brackets or a missing
    `+` make Auth0 reject it.

    Example: `{"phone": {"value": "+1 (555) 010-9999"}}`.

    Fix: `+15550109999`.
    """
    out = []
    p = u.get("phone_number")
    if "phone_number" in u and not (type(p) is str and E164.match(p)):
        out.append(("phone_number", {"value": p}))
    for i, f in enumerate(_factors(u)):
        ph = f.get("phone") if type(f) is dict else None
        if type(ph) is dict:
            v = ph.get("value")
            if not (type(v) is str and E164.match(v)):
                out.append((f"mfa_factors[{i}].phone.value", {"value": v}))
    return out or None


def _factors(u):  # type: ignore[no-untyped-def]
    f = u.get("mfa_factors")
    return f if type(f) is list else []
