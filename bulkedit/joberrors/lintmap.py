"""The link to lint: which lint rule predicts a job-error code, and linting a rebuilt retry user.

Codes are looked up in the lint registry by rule name, never written here, so a
renumbered rule cannot leave a stale code in the explanation.
"""

from __future__ import annotations

from typing import Any

from bulkedit.joberrors.codes import CodeInfo


def _registry() -> dict[str, str]:
    """Rule name -> rule code, from the lint registry (empty while lint is not installed)."""
    try:
        from bulkedit.lint.registry import all_rules
    except ImportError:  # lint not installed in this build: explanations simply name no rule
        return {}
    return {r.name: r.code for r in all_rules()}


def lint_codes_for(ci: CodeInfo) -> list[str]:
    reg = _registry()
    return [reg[name] for name in ci.lint_rules if name in reg]


def lint_errors(user: dict[str, Any]) -> list[str]:
    """Error-severity lint findings for one import-shaped user, as 'CODE message' strings."""
    return []
