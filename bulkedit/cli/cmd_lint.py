"""`bulkedit lint FILE_OR_DIR... [--format text|json|sarif|github] [--select CODES] [--ignore CODES] [--backup BACKUP]`."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bulkedit.cli.options import ForceOption, MapOption
from bulkedit.cli.progress import progress_bar
from bulkedit.cli.root import app
from bulkedit.defaults import DEFAULT_MAX_PER_RULE
from bulkedit.errors import EXIT_FINDINGS, EXIT_OK
from bulkedit.privacy import text_safe


class LintFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


@app.command(
    "lint",
    epilog="""
    bulkedit lint edited.ndjson --backup export.json.gz
    bulkedit lint chunks/ --format sarif -o lint.sarif
    """,
)
def lint_cmd(
    paths: Annotated[list[Path], typer.Argument(metavar="FILE_OR_DIR", help="User files, or folders (an emit output folder: its chunks).", show_default=False)],
    format: Annotated[LintFormat, typer.Option("--format", "-f", help="Report format.")] = LintFormat.text,
    select: Annotated[str | None, typer.Option("--select", metavar="CODES", help="Only rules whose code starts with one of these (comma-separated), e.g. BE2,BE301.")] = None,
    ignore: Annotated[str | None, typer.Option("--ignore", metavar="CODES", help="Skip rules whose code starts with one of these.")] = None,
    backup: Annotated[Path | None, typer.Option("--backup", help="The tenant's full export: also check what an upsert would do to existing users.")] = None,
    connection: Annotated[str | None, typer.Option("--connection", metavar="NAME", help="Connection of users whose file names none (for duplicates and --backup).")] = None,
    max_per_rule: Annotated[int, typer.Option("--max-per-rule", min=0, help="Findings shown per rule (the rest are counted); 0 shows all.")] = DEFAULT_MAX_PER_RULE,
    output: Annotated[Path | None, typer.Option("-o", "--output", metavar="REPORT", help="Write the report to this file instead of stdout.")] = None,
    map_file: MapOption = None,
    force: ForceOption = False,
) -> None:
    """Check users against everything Auth0's import rejects or mishandles; exit 1 on any error finding."""
    from bulkedit.io.atomic import atomic_file, check_output_file
    from bulkedit.lint.engine import LintOptions
    from bulkedit.lint.run import lint
    from bulkedit.report.lint import RENDERERS

    if output is not None:  # before any input is read
        check_output_file(output, [*paths, backup, map_file], force=force)
    options = LintOptions(
        select=select, ignore=ignore, backup=backup, max_per_rule=max_per_rule, column_map=map_file, connection=connection
    )
    with progress_bar("lint", lambda: _input_size(paths, backup), enabled=format is not LintFormat.json) as progress:
        result = lint(paths, options, progress)
    report = RENDERERS[format.value](result.to_dict())
    if output is not None:
        with atomic_file(output) as af:
            af.path.write_text(report, encoding="utf-8")
        print(f"lint report written to {text_safe(output)}", file=sys.stderr)
    else:
        sys.stdout.write(report)
    if format != LintFormat.text:
        print(
            f"lint: {result.users:,} users, {result.errors:,} error(s), {result.warnings:,} warning(s), {result.infos:,} info",
            file=sys.stderr,
        )
    raise typer.Exit(EXIT_FINDINGS if result.errors else EXIT_OK)


def _input_size(paths: list[Path], backup: Path | None) -> int:
    """The bytes lint reads: the backup, and every file of the paths (an emit folder's chunks)."""
    from bulkedit.lint.inputs import expand_inputs

    return sum(f.path.stat().st_size for f in expand_inputs(paths)) + (backup.stat().st_size if backup is not None else 0)
