"""A lint rule and its registration: the `@rule(...)` decorator every module of `lint/rules/`
uses, and the registry it fills (`registry.py` loads the rules and selects among them)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bulkedit.lint.model import Severity

KINDS = ("conversion", "import", "user", "detail", "schema", "duplicate", "file", "backup", "tenant")


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    message: str
    kind: str
    check: Callable[..., Any]
    doc: str
    #: conversion rules: one finding per file and field path, with the count of users
    aggregate: bool = False
    #: user rules about size: called only for users whose raw bytes are longer than this
    #: (or unknown), as a user's raw line is never shorter than its import form
    gate: int | None = None

    def format(self, **kwargs: Any) -> str:
        return self.message.format(**kwargs)


REGISTRY: dict[str, Rule] = {}
_CODE = re.compile(r"^BE[0-9]{3}$")
_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def rule(
    code: str, name: str, severity: str, message: str, kind: str, *, aggregate: bool = False, gate: int | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as rule `code`."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if not _CODE.match(code) or not _NAME.match(name) or kind not in KINDS:
            raise ValueError(f"bad rule registration {code} {name} {kind}")
        if code in REGISTRY:
            raise ValueError(f"rule {code} registered twice")
        Severity(severity)
        REGISTRY[code] = Rule(code, name, severity, message, kind, fn, inspect.cleandoc(fn.__doc__ or ""), aggregate, gate)
        return fn

    return register
