"""`errors`: read Auth0's job-error answers, explain the codes, map failed users back, build retry chunks.

`answer` reads the saved answers, `codes` explains each code and its retry policy,
`match` finds Auth0's redacted copy of a user among chunk and source users,
`analyse.explain` runs the steps into `model`'s results, `retry` writes the retry folder,
and `lintmap` links codes to lint rules.
"""

from __future__ import annotations

from bulkedit.joberrors.analyse import explain, explain_answers
from bulkedit.joberrors.model import ErrorsResult

__all__ = ["ErrorsResult", "explain", "explain_answers"]
