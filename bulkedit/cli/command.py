"""How every command's `--help` reads: placeholders as words, examples at the end.

Typer writes a required argument as `{input}` and an option's value by its type
(`<path>`, `<list[Path]>`, `<int range>`). bulkedit's help says what to give:
`bulkedit lint [OPTIONS] FILE_OR_DIR...`, `-o, --output OUT`, `--max-bytes N`,
`-f, --format text|json`. A command sets its placeholders with `metavar=`; an option
without one gets one from its choices, its number type or its name. The examples a
command passes as `epilog=` are shown verbatim, one command line each, under
"Examples". `App.command` uses this class for every command, so a command added
later reads the same without doing anything.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperCommand


def _choices(param: Any) -> tuple[Any, ...] | None:
    desc = getattr(param, "type_descriptor", None)  # typer >= 0.29
    choices = getattr(desc, "choices", None) if desc is not None else getattr(getattr(param, "type", None), "choices", None)
    return tuple(choices) if choices else None


def _is_number(param: Any) -> bool:
    desc = getattr(param, "type_descriptor", None)
    if desc is not None:
        return getattr(desc, "annotation", None) in (int, float)
    return getattr(getattr(param, "type", None), "name", "") in ("integer", "float", "integer range", "float range")


def default_metavar(param: Any) -> str:
    """A placeholder for an option's value: its choices, N for a number, else its long name."""
    choices = _choices(param)
    if choices:
        return "|".join(str(getattr(c, "value", c)) for c in choices)
    if _is_number(param):
        return "N"
    return max(param.opts, key=len).lstrip("-").upper().replace("-", "_")


def _word(param: Any) -> str:
    return param.metavar or (param.name or "").upper()


def placeholder(param: Any) -> str:
    """An argument as the usage line shows it: `INPUT`, `FILE_OR_DIR...`, `[REPORT]`."""
    name = _word(param)
    if param.nargs != 1:
        name += "..."
    return name if param.required else f"[{name}]"


class BulkeditCommand(TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if param.param_type_name == "option" and param.metavar is None and not getattr(param, "is_flag", False):
                param.metavar = default_metavar(param)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        # a required option is part of the command line as the contract writes it (`pull -o FILE`)
        required = [f"{min(p.opts, key=len)} {_word(p)}" for p in self.get_params(ctx) if p.param_type_name == "option" and p.required]
        return pieces + required + [placeholder(p) for p in self.get_params(ctx) if p.param_type_name == "argument"]

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments = [
            (_word(p), getattr(p, "help", None) or "")
            for p in self.get_params(ctx)
            if p.param_type_name == "argument"
        ]
        if arguments:
            with formatter.section("Arguments"):
                formatter.write_dl(arguments)
        options = [rv for p in self.get_params(ctx) if p.param_type_name == "option" and (rv := p.get_help_record(ctx))]
        if options:
            with formatter.section("Options"):
                formatter.write_dl(options)

    def format_epilog(self, ctx: Any, formatter: Any) -> None:
        """The examples, each line as written (not rewrapped)."""
        if not self.epilog:
            return
        with formatter.section("Examples"):
            for line in inspect.cleandoc(self.epilog).splitlines():
                formatter.write(f"{'':>{formatter.current_indent}}{line}\n" if line else "\n")


class App(typer.Typer):
    """A Typer app whose commands are BulkeditCommand unless they say otherwise."""

    def command(self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any) -> Callable[..., Any]:
        return super().command(name, cls=cls or BulkeditCommand, **kwargs)
