"""The import-user schema as lint runs it: the compiled validators and the wording of what it rejects."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import jsonschema_rs

from bulkedit import fields
from bulkedit.resources import IMPORT_USER_SCHEMA, load_schema

_SECRET_TOPS = fields.SECRET_FIELDS


@lru_cache(maxsize=1)
def import_schema() -> dict[str, Any]:
    return load_schema(IMPORT_USER_SCHEMA)


@lru_cache(maxsize=1)
def validator() -> Any:
    """The compiled import-user schema (jsonschema-rs)."""
    return jsonschema_rs.validator_for(import_schema())


_LOCAL = r'[^\s@"(),:;<>\[\]\\.]'
_DOMAIN = _LOCAL
_TLD = r'[^\s@"(),:;<>\[\]\\.0-9]'
#: stricter than the schema at the top-level domain: an unusual one (BE304, a warning, in the email
#: or an MFA email factor) takes the slow path
FAST_EMAIL = f"^{_LOCAL}+(?:[.]{_LOCAL}+)*@(?:{_DOMAIN}+[.])+(?:{_TLD}{{2,}}|[Xx][Nn]--{_DOMAIN}+)$"
#: the schema's email rule said with two look-around-free patterns (both must match)
FAST_EMAIL_SCHEMA = {"type": "string", "maxLength": 254, "allOf": [{"pattern": FAST_EMAIL}, {"pattern": "^[^@]{1,64}@"}]}


@lru_cache(maxsize=1)
def fast_validator() -> Callable[[dict[str, Any]], bool]:
    """A validity test equal to the schema's, but quicker for the top-level email.

    The schema's email pattern uses look-arounds (a backtracking regex engine); this
    one says the same with two patterns that need none.
    """
    return _fast(allow_export_only=False)


@lru_cache(maxsize=1)
def fast_export_validator() -> Callable[[dict[str, Any]], bool]:
    """True only for an exported user whose import form (`to_import_user`) the schema accepts.

    The fast schema with the export-only fields allowed: conversion drops exactly those
    and only shortens user_id, so a user this accepts converts to a valid import user,
    and lint can skip building the import form of most users.
    """
    return _fast(allow_export_only=True)


def _fast(*, allow_export_only: bool) -> Callable[[dict[str, Any]], bool]:
    schema = copy.deepcopy(import_schema())
    schema["properties"]["email"] = FAST_EMAIL_SCHEMA
    schema["$defs"]["email"] = FAST_EMAIL_SCHEMA  # an MFA email factor's value: BE304 checks it too
    if allow_export_only:
        for name in fields.EXPORT_ONLY_FIELDS:
            schema["properties"][name] = True
    return jsonschema_rs.validator_for(schema).is_valid  # type: ignore[no-any-return]


def schema_message(path: str, err: Any) -> str:
    label = path or "user"
    top = path.split(".", 1)[0].split("[", 1)[0]
    if top in _SECRET_TOPS:  # never print hashes or MFA secrets
        kind = type(err.kind).__name__
        return f"{label}: the value does not have the form the import schema requires ({kind})"
    msg = err.message
    if len(msg) > 200:
        msg = msg[:197] + "..."
    return f"{label}: {msg}"


def related(a: str, b: str) -> bool:
    """One path is the other or lies inside it."""
    if len(a) > len(b):
        a, b = b, a
    return a == "" or b == a or (b.startswith(a) and b[len(a)] in ".[")
