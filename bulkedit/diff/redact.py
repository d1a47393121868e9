"""`--redact`: masking names and e-mail addresses in a diff's values."""

from __future__ import annotations

import re
from typing import Any

from bulkedit.paths import MISSING

#: Top-level fields whose values `--redact` masks (besides any e-mail address anywhere).
REDACTED_FIELDS = frozenset({"email", "name", "given_name", "family_name", "nickname", "username"})
EMAIL_RE = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def mask_email(value: str) -> str:
    """`jane.doe@example.com` -> `j***@e***.com`."""
    local, at, domain = value.partition("@")
    if not at:
        return mask_name(value)
    head, dot, tld = domain.rpartition(".")
    masked_domain = f"{head[:1]}***.{tld}" if dot else f"{domain[:1]}***"
    return f"{local[:1]}***@{masked_domain}"


def mask_name(value: str) -> str:
    return f"{value[:1]}***" if value else value


def redact_value(path: tuple[Any, ...], value: Any) -> Any:
    """Mask names and emails: whole values of REDACTED_FIELDS, and any e-mail address elsewhere."""
    if value is MISSING:
        return value
    root = path[0] if path else None
    if type(value) is str:
        if root == "email":
            return mask_email(value)
        if root in REDACTED_FIELDS and len(path) == 1:
            return mask_name(value)
        return EMAIL_RE.sub(lambda m: mask_email(m.group(0)), value)
    if type(value) is dict:
        if not path:
            return {k: redact_value((k,), v) for k, v in value.items()}
        return {k: redact_value(path + (k,), v) for k, v in value.items()}
    if type(value) is list:
        return [redact_value(path + (i,), v) for i, v in enumerate(value)]
    return value
