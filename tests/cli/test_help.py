"""Every command's --help: a usage line of readable placeholders, and examples that parse.

The commands are taken from the app, so a command added later is checked too.
"""

from __future__ import annotations

import re
import shlex

import pytest
import typer.main

from bulkedit.cli.app import app

from .conftest import run

COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
# what Typer writes when a command does not say better: {input}, <path>, <list[Path]>, <int range>
TYPE_PLACEHOLDER = re.compile(r"\{[a-z_]+\}|<[a-zA-Z_\[\]| ]+>")


def test_the_workflow_commands_are_all_there() -> None:
    assert {"inspect", "convert", "edit", "diff", "lint", "emit", "errors"} <= set(COMMANDS)


def _help(capsys: pytest.CaptureFixture[str], name: str) -> str:
    rc, out, err = run(capsys, name, "--help")
    assert rc == 0, err
    return out


@pytest.mark.parametrize("name", COMMANDS)
def test_usage_line_uses_words(capsys: pytest.CaptureFixture[str], name: str) -> None:
    usage = _help(capsys, name).splitlines()[0]
    assert usage.startswith(f"Usage: bulkedit {name} [OPTIONS]")
    placeholders = usage.split("[OPTIONS]", 1)[1].split()
    assert placeholders, usage
    for word in placeholders:
        # a word, or the flag of a required option before its word (`pull -o FILE`)
        assert re.fullmatch(r"\[?[A-Z][A-Za-z_.]*\]?(\.\.\.)?|--?[a-z][a-z-]*", word), f"{name}: {word!r} in {usage!r}"
    assert re.search(r"[A-Z]", usage.split("[OPTIONS]", 1)[1]), usage


@pytest.mark.parametrize("name", COMMANDS)
def test_arguments_and_options_show_no_type_names(capsys: pytest.CaptureFixture[str], name: str) -> None:
    text = _help(capsys, name)
    listing = text[text.index("\nArguments:" if "\nArguments:" in text else "\nOptions:") : text.index("\nExamples:")]
    rows = [line.strip() for line in listing.splitlines() if line.strip().startswith("-")]
    for row in rows:
        flags = re.split(r"\s{2,}", row)[0]
        assert not TYPE_PLACEHOLDER.search(flags), f"{name}: {flags!r}"
    assert not TYPE_PLACEHOLDER.search(text.splitlines()[0])


@pytest.mark.parametrize("name", COMMANDS)
def test_help_ends_with_examples_that_parse(capsys: pytest.CaptureFixture[str], name: str) -> None:
    text = _help(capsys, name)
    head, _, tail = text.rpartition("\nExamples:\n")
    assert head, f"{name} --help has no Examples section"
    examples = [line.strip() for line in tail.splitlines() if line.strip()]
    assert 1 <= len(examples) <= 3
    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    for example in examples:
        argv = shlex.split(example)
        assert argv[:2] == ["bulkedit", name], example
        # the flags and values are real: parsing them (not running) raises on a typo
        command.make_context(name, argv[2:])
