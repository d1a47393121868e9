"""A progress bar on stderr, shown only when stderr is a terminal and the report is for a person.

Core code reports progress through a plain callback (bytes of the inputs done so far,
counted over every file the step reads); it never imports rich.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

from bulkedit.errors import BulkeditError

#: the bytes a step reads, or a function that tells them (looked up only when a bar is drawn)
Total = int | Callable[[], int] | None


def stderr_is_terminal() -> bool:
    """Whether a person watches stderr (the one check; tests force it)."""
    return sys.stderr.isatty()


@contextlib.contextmanager
def progress_bar(label: str, total: Total, *, enabled: bool = True) -> Iterator[Callable[[int], None] | None]:
    """Yield a callback taking the bytes done so far, or None: stderr is not a terminal, nothing
    to count, or not `enabled` (a machine-readable report such as --format json gets no bar)."""
    if not enabled or not stderr_is_terminal():
        yield None
        return
    if callable(total):
        try:
            total = total()
        except (OSError, BulkeditError):
            total = None  # the command says itself what is wrong with its inputs
    if not total:
        yield None
        return
    with _bar(label, total) as update:
        yield update


@contextlib.contextmanager
def _bar(label: str, total: int) -> Iterator[Callable[[int], None]]:
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with Progress(
        f"[bold]{label}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True, force_terminal=True),  # stderr_is_terminal() said so
        transient=True,
    ) as prog:
        task = prog.add_task(label, total=total)
        yield lambda done: prog.update(task, completed=done)
