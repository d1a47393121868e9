"""`lint`: every problem Auth0's import would reject or mishandle, as findings with stable codes.

A rule and its decorator are in `rule`, selection in `registry`, the rules in `rules/`,
the per-user judging in `engine` (`Checker`), the schema in `schema`, input listing in
`inputs`; `lint(paths, options)` in `run` is the entry point.
"""

from __future__ import annotations

from bulkedit.lint.engine import LintOptions
from bulkedit.lint.model import Finding, LintResult
from bulkedit.lint.run import lint

__all__ = ["Finding", "LintOptions", "LintResult", "lint"]
