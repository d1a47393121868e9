"""Errors that end a command with a clear message and a defined exit code.

Exit codes are defined once here: 0 clean, 1 findings or a refused change,
2 usage, configuration or input error, 3 an internal error (a bug in bulkedit).
"""

from __future__ import annotations

from typing import Any

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
#: an unexpected exception: a bug to report, never a problem with the input
EXIT_INTERNAL = 3


class BulkeditError(Exception):
    """An error a person can act on: what went wrong, where, and what to do."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __reduce__(self) -> tuple[Any, ...]:
        # keep where/hint when a worker process sends the error back
        return (_rebuild, (type(self), self.message, self.where, self.hint))

    def render(self) -> str:
        """The message for stderr; user data in it shows control characters escaped (bulkedit.privacy)."""
        from bulkedit.privacy import lines_safe

        head = f"{self.where}: {self.message}" if self.where else self.message
        return lines_safe(f"{head}\n  hint: {self.hint}" if self.hint else head)


def _rebuild(cls: type[BulkeditError], message: str, where: str | None, hint: str | None) -> BulkeditError:
    return cls(message, where=where, hint=hint)


class InputError(BulkeditError):
    """An input file is missing, unreadable, malformed or of an unknown format (exit 2)."""


class UsageError(BulkeditError):
    """The options given do not fit together (exit 2)."""


class RefusedError(BulkeditError):
    """The command refuses to write what it was asked to (exit 1): a forbidden change, lint errors."""

    exit_code = EXIT_FINDINGS


class OutputError(BulkeditError):
    """An output cannot be written (full disk, read-only file system, no permission); nothing was changed (exit 2)."""
