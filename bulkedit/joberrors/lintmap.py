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


def lint_errors(users: list[tuple[int, dict[str, Any], str]], file: str) -> dict[int, list[str]]:
    """Error-severity lint findings for rebuilt retry users, by position: 'CODE message' strings.

    `users` are (position in the source, import-shaped user, connection). They are checked
    together, as emit checks what it writes, so two retry users that clash are found too.
    """
    from bulkedit.lint.engine import LintOptions, make_checker

    checker = make_checker(LintOptions(max_per_rule=0))
    idx = checker.begin_file(file)
    for pos, user, connection in users:
        checker.check(user, idx, pos, connection, judged_as="import")
    checker.find_duplicates()  # duplicate keys are gathered while checking and judged here
    out: dict[int, list[str]] = {}
    for f in checker.findings:
        if f.severity == "error" and f.pos is not None:
            out.setdefault(f.pos, []).append(f"{f.code} {f.message}")
    return out
