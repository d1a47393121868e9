"""The root `bulkedit` command: the Typer app every command module registers on, and the
global options (--debug, --version). `cli/app.py` imports the commands and runs the app."""

from __future__ import annotations

from typing import Annotated

import typer

from bulkedit import __version__
from bulkedit.cli.command import App

app = App(
    name="bulkedit",
    help="Safe, fast, offline bulk edits of Auth0 users: export -> edit -> review -> lint -> import-ready chunks.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion, --show-completion
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,  # exports hold personal data and hashes: never print locals
    rich_markup_mode=None,
)

state = {"debug": False}


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
    state["debug"] = debug
