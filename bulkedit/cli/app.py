"""The `bulkedit` command: the Typer app, global options and error handling."""

from __future__ import annotations

import sys
import traceback
from typing import Annotated

import typer

from bulkedit import __version__

try:  # typer >= 0.29 carries its own copy of click
    from typer._click.exceptions import ClickException as _ClickException
except ImportError:  # pragma: no cover - older typer on click
    from click.exceptions import ClickException as _ClickException  # type: ignore[no-redef]
from bulkedit.errors import EXIT_USAGE, BulkeditError

app = typer.Typer(
    name="bulkedit",
    help="Safe, fast, offline bulk edits of Auth0 users: export -> edit -> review -> lint -> import-ready chunks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,  # exports hold personal data and hashes: never print locals
    rich_markup_mode=None,
)

_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        print(f"bulkedit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show the full traceback of an internal error.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    _state["debug"] = debug


# Each command module registers itself on `app` when imported; this order (the
# workflow's) is the order `bulkedit --help` lists them in.
from bulkedit.cli import (  # noqa: E402,F401,I001
    cmd_inspect,
    cmd_convert,
    cmd_edit,
    cmd_diff,
    cmd_lint,
    cmd_emit,
    cmd_errors,
)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turn BulkeditError into one clear message and its exit code."""
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
        if _state["debug"]:
            traceback.print_exc()
        print(
            "bulkedit: error: a user's objects and lists are nested too deeply to process "
            f"(more than about {sys.getrecursionlimit() // 2:,} levels); nothing was written\n"
            "  hint: flatten that metadata, or leave the user out of the file",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - the one place that turns surprises into a message
        if isinstance(exc, _ClickException):
            exc.show()
            return EXIT_USAGE
        if _state["debug"]:
            traceback.print_exc()
        else:
            print(
                f"bulkedit: internal error: {type(exc).__name__}: {exc}\n"
                "  hint: run again with --debug for the traceback, and report it",
                file=sys.stderr,
            )
        return EXIT_USAGE
    return rc if isinstance(rc, int) else 0
