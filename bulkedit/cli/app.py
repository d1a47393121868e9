"""The `bulkedit` command: the Typer app, global options and error handling."""

from __future__ import annotations

import errno
import sys
import traceback
from types import TracebackType

import typer

try:  # typer >= 0.29 carries its own copy of click
    from typer._click.exceptions import ClickException as _ClickException
except ImportError:  # pragma: no cover - older typer on click
    from click.exceptions import ClickException as _ClickException  # type: ignore[no-redef,assignment]
from bulkedit.cli.root import app, state
from bulkedit.errors import EXIT_INTERNAL, EXIT_USAGE, BulkeditError

# Each command module registers itself on `app` (cli/root.py) when imported; this order
# (the workflow's) is the order `bulkedit --help` lists them in.
# isort: off
from bulkedit.cli import (  # noqa: F401
    cmd_inspect,
    cmd_convert,
    cmd_edit,
    cmd_diff,
    cmd_lint,
    cmd_emit,
    cmd_errors,
    cmd_pull,
    cmd_push,
)
# isort: on


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turn BulkeditError into one clear message and its exit code."""
    named = _completion_for_named_shell(sys.argv[1:] if argv is None else argv)
    if named is not None:
        return named
    from bulkedit.io import signals

    signals.install()  # SIGTERM/SIGHUP clean up as Ctrl-C does
    try:
        rc = app(args=argv, prog_name="bulkedit", standalone_mode=False)
    except BulkeditError as exc:
        print(f"bulkedit: error: {exc.render()}", file=sys.stderr)
        return exc.exit_code
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        print("bulkedit: aborted", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("bulkedit: interrupted; no output was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except RecursionError:
        if state["debug"]:
            traceback.print_exc()
        print(
            "bulkedit: error: a user's objects and lists are nested too deeply to process "
            f"(more than about {sys.getrecursionlimit() // 2:,} levels); nothing was written\n"
            "  hint: flatten that metadata, or leave the user out of the file",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except OSError as exc:
        if exc.errno not in _ENVIRONMENT_ERRNOS:
            return _internal_error(exc)
        if state["debug"]:
            traceback.print_exc()
        where = f"{exc.filename}: " if exc.filename else ""
        print(
            f"bulkedit: error: {where}{exc.strerror}; nothing was written\n"
            "  hint: free some space, or choose a file or folder you can read and write",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - the one place that turns surprises into a message
        if isinstance(exc, _ClickException):
            exc.show()
            return EXIT_USAGE
        return _internal_error(exc)
    if signals.received is not None:  # (Typer returned 130 for the KeyboardInterrupt it raised)
        print("bulkedit: terminated; no output was written", file=sys.stderr)
        return 128 + signals.received
    return rc if isinstance(rc, int) else 0


SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def _completion_for_named_shell(argv: list[str]) -> int | None:
    """`--show-completion SHELL` / `--install-completion SHELL`: for the shell named.

    Typer's options take no value and detect the shell they run in; a person who
    names one (to set up another shell, or where detection fails) gets that one.
    None when argv is not one of these two forms.
    """
    if len(argv) != 2 or argv[0] not in ("--show-completion", "--install-completion") or argv[1] not in SHELLS:
        return None
    from typer._completion_shared import get_completion_script, install

    prog_name, complete_var, shell = "bulkedit", "_BULKEDIT_COMPLETE", argv[1]
    if argv[0] == "--show-completion":
        print(get_completion_script(prog_name=prog_name, complete_var=complete_var, shell=shell))
    else:
        _, path = install(shell=shell, prog_name=prog_name, complete_var=complete_var)
        print(f"{shell} completion installed in {path}; it takes effect in a new shell")
    return 0


#: the machine's fault, not bulkedit's: no permission, a full or read-only disk
_ENVIRONMENT_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EROFS, errno.EDQUOT})


def _internal_error(exc: BaseException) -> int:
    """Say that bulkedit has a bug and how to report it; exit 3.

    Only the exception's type and where in bulkedit's code it happened are printed:
    an exception's message can quote a user's values (emails, metadata, hashes).
    The traceback, message included, is shown only with --debug.
    """
    if state["debug"]:
        traceback.print_exception(exc)
    print(
        f"bulkedit: internal error (a bug in bulkedit): {type(exc).__name__} at {bug_location(exc.__traceback__)}\n"
        "  hint: run the same command again with --debug to see the traceback, and file an issue on bulkedit's\n"
        "  tracker with the command line, the bulkedit version (bulkedit --version) and that traceback\n"
        "  (check it for personal data first: the error's message is printed with --debug only)",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


def bug_location(tb: TracebackType | None) -> str:
    """`module:function:line` of the innermost frame in bulkedit's own code ("unknown" when none)."""
    where = "unknown"
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if module == "bulkedit" or module.startswith("bulkedit."):
            where = f"{module}:{tb.tb_frame.f_code.co_name}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where
