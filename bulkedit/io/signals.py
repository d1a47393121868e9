"""SIGTERM and SIGHUP end a command as Ctrl-C does: temp files and folders removed, outputs as they were.

Without a handler, SIGTERM (what `kill`, systemd, Docker and CI runners send) kills the
process where it stands and leaves `.tmp`, `.part` and spool files behind; with it, the
same clean-up as for SIGINT runs (every `atomic_file`/`atomic_dir` removes what it wrote).

`crash_point(name)` is a test hook: `BULKEDIT_CRASH_AT=name:SIGNAL` makes the command send
SIGNAL (TERM, KILL, INT) to its main process when it reaches the named point, so tests kill
real processes at exact places instead of sleeping and hoping.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from types import FrameType

#: The process that installed the handlers (forked workers inherit them, and this).
_main_pid: int | None = None
#: The signal that ended the command (Typer turns the KeyboardInterrupt into a plain exit code 130).
received: int | None = None


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: unwinds like Ctrl-C, so every clean-up runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if os.getpid() != _main_pid:
        # a forked worker: its files live in the main process's temp folder or part files,
        # which the main process removes; a traceback from here would only be noise
        os._exit(128 + signum)
    global received
    received = signum
    # a second signal must not cut the clean-up short
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    for child in multiprocessing.active_children():  # workers stop now, not when their part is done
        child.terminate()
    raise Terminated(signum)


def install() -> None:
    """Handle SIGTERM and SIGHUP in this (the main) process as a KeyboardInterrupt (`Terminated`)."""
    global _main_pid, received
    _main_pid = os.getpid()
    received = None
    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            if signal.getsignal(sig) is not signal.SIG_IGN:  # nohup: a hang-up stays ignored
                signal.signal(sig, _on_signal)
        except ValueError:  # not the main thread (bulkedit run as a library): leave signals alone
            return


CRASH_ENV = "BULKEDIT_CRASH_AT"


def crash_point(name: str) -> None:
    """Test hook (see the module docstring): a no-op unless BULKEDIT_CRASH_AT names this point."""
    spec = os.environ.get(CRASH_ENV)
    if not spec:
        return
    point, _, sig = spec.partition(":")
    if point != name:
        return
    signum = getattr(signal, "SIG" + (sig or "KILL"))
    os.kill(_main_pid or os.getpid(), signum)
    if os.getpid() != (_main_pid or os.getpid()):
        signal.pause()  # a worker waits to be stopped by the main process
