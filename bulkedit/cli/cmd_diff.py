"""`bulkedit diff BACKUP CANDIDATE [--key user_id|email] [--format text|json|markdown|html] [-o REPORT] ...`."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bulkedit.cli.options import ForceOption, InputFile, Key, KeyOption, MapOption
from bulkedit.cli.progress import progress_bar
from bulkedit.cli.root import app
from bulkedit.errors import EXIT_FINDINGS, EXIT_OK
from bulkedit.privacy import lines_safe, text_safe


class DiffFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


@app.command(
    "diff",
    epilog="""
    bulkedit diff export.json.gz edited.ndjson
    bulkedit diff export.json.gz edited.ndjson --format html -o review.html
    """,
)
def diff_cmd(
    backup: InputFile,
    candidate: Annotated[
        Path,
        typer.Argument(help="The edited export (any readable format), a sheet, or an `emit` output folder.", show_default=False),
    ],
    key: KeyOption = Key.user_id,
    format: Annotated[DiffFormat, typer.Option("--format", "-f", help="Report format.")] = DiffFormat.text,
    output: Annotated[Path | None, typer.Option("-o", "--output", metavar="REPORT", help="Write the report here (atomically) instead of stdout.")] = None,
    redact: Annotated[bool, typer.Option("--redact", help="Mask emails and names in the report (hashes, MFA secrets and identity tokens are never shown).")] = False,
    fail_on_change: Annotated[bool, typer.Option("--fail-on-change", help="Exit 1 when any user was changed, added or removed.")] = False,
    max_changed: Annotated[
        str | None,
        typer.Option("--max-changed", metavar="N|P%", help="Exit 1 when more users than N (or P% of the backup) differ."),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=0, help="Users listed in text (default 20), markdown (50), html (5000); 0 = all. json lists all."),
    ] = None,
    map_file: MapOption = None,
    force: ForceOption = False,
) -> None:
    """Show what would change, per user and per field, between BACKUP and CANDIDATE; gate forbidden changes.

    Exit 0 when only allowed changes; 1 on a forbidden change (email, user_id, connection,
    blocked), with --fail-on-change when anything differs, or when --max-changed is exceeded.
    """
    from bulkedit.diff import DiffOptions, diff, input_size, parse_max_changed
    from bulkedit.io.atomic import atomic_file, check_output_file
    from bulkedit.io.read import load_column_map
    from bulkedit.report.diff import RENDERERS

    if max_changed is not None:
        parse_max_changed(max_changed)
    if output is not None:  # an output over an input, or in a missing folder: said before reading a million users
        check_output_file(output, [backup, candidate, map_file], force=force)
    options = DiffOptions(
        key=key.value,
        redact=redact,
        fail_on_change=fail_on_change,
        max_changed=max_changed,
        column_map=load_column_map(map_file),
    )
    with progress_bar("diff", lambda: input_size(backup, candidate), enabled=format is not DiffFormat.json) as progress:
        result = diff(backup, candidate, options, progress=progress)
    render = RENDERERS[format.value]
    kwargs = {} if limit is None else {"limit": limit or None}
    report = render(result.to_dict(), **kwargs)
    if output is None:
        sys.stdout.write(report)
    else:
        with atomic_file(output) as af:
            af.path.write_text(report, encoding="utf-8")
        c = result.counts
        print(
            f"diff: {c.changed:,} changed, {c.added:,} added, {c.removed:,} removed, {c.unchanged:,} unchanged; report: {text_safe(output)}",
            file=sys.stderr,
        )
    for reason in result.gate.reasons:
        print(f"bulkedit: diff: {lines_safe(reason)}", file=sys.stderr)
    raise typer.Exit(EXIT_FINDINGS if result.gate.failed else EXIT_OK)
