"""`lint`: every problem Auth0's import would reject or mishandle, as findings with stable codes.

The rule registry is in `registry`, the rules in `rules/`, the per-user loop in
`engine`; `lint(paths, options)` is the entry point.
"""

from __future__ import annotations

from bulkedit.lint.engine import LintOptions
from bulkedit.lint.model import Finding, LintResult
from bulkedit.lint.run import lint

__all__ = ["Finding", "LintOptions", "LintResult", "lint"]
