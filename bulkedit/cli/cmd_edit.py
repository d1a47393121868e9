"""`bulkedit edit IN (--plan PLAN | --sheet SHEET) -o OUT [--dry-run] [--key user_id|email]`."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bulkedit.cli.options import ForceOption, InputFile, Key, MapOption
from bulkedit.cli.progress import progress_bar
from bulkedit.cli.root import app
from bulkedit.defaults import SHOW_CHANGES
from bulkedit.errors import EXIT_FINDINGS, UsageError

if TYPE_CHECKING:
    from bulkedit.edit.apply import Editor


class EditFormat(StrEnum):
    text = "text"
    json = "json"


@app.command(
    "edit",
    epilog="""
    bulkedit edit export.json.gz --plan plan.yaml -o edited.ndjson
    bulkedit edit export.json.gz --sheet users.xlsx -o edited.ndjson
    """,
)
def edit_cmd(
    input: InputFile,
    plan: Annotated[
        Path | None, typer.Option("--plan", metavar="PLAN", help="A plan file (YAML or JSON) of edit steps; see docs/edit-plans.md.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", metavar="OUT", help="Where to write the whole edited export (format from the suffix).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")] = False,
    key: Annotated[Key, typer.Option("--key", help="Name users in messages by user_id or email.")] = Key.user_id,
    to: Annotated[str | None, typer.Option("--to", metavar="ndjson|json|csv|xlsx", help="Output format; default: OUT's suffix.")] = None,
    format: Annotated[EditFormat, typer.Option("--format", "-f", help="Report format (stdout).")] = EditFormat.text,
    show: Annotated[int, typer.Option("--show", min=0, help="How many changes the report lists.")] = SHOW_CHANGES,
    show_refusals: Annotated[
        int | None,
        typer.Option("--show-refusals", min=0, help="How many refusals the report lists (0: all). Default 50; all with --format json."),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", min=1, help="Processes for a large plain NDJSON input (default: up to 2; 1 = one process)."),
    ] = None,
    map_file: MapOption = None,
    sheet: Annotated[
        Path | None, typer.Option("--sheet", metavar="SHEET", help="A CSV/XLSX sheet made by `convert` and edited by a person.")
    ] = None,
    allow_new: Annotated[bool, typer.Option("--allow-new", help="With --sheet: rows no backup user has become new users.")] = False,
    accept_damage: Annotated[
        list[str] | None,
        typer.Option("--accept-damage", metavar="CODE", help="With --sheet: apply cells flagged with this damage code anyway (repeatable; 'all').", show_default=False),
    ] = None,
    keep_damaged: Annotated[
        bool, typer.Option("--keep-damaged", help="With --sheet: cells flagged as damage keep the backup's value; other edits apply.")
    ] = False,
    force: ForceOption = False,
) -> None:
    """Apply an edit plan or an edited sheet to every user of INPUT and write the whole edited export to OUT.

    Refuses (exit 1, nothing written) any change of email, user_id, the connection or blocked.
    """
    from bulkedit.edit.apply import SHOW_NOTICES, apply_edits
    from bulkedit.edit.plan import load_plan
    from bulkedit.io.atomic import check_output_file
    from bulkedit.io.detect import CSV
    from bulkedit.io.read import load_column_map, open_source
    from bulkedit.io.write import output_format
    from bulkedit.report.edit import RENDERERS, summary_line
    from bulkedit.sheet.apply import SHOW_ROWS

    every_refusal = show_refusals == 0 or (show_refusals is None and format is EditFormat.json)
    if plan is None and sheet is None:
        raise UsageError("no edits given", hint="use --plan PLAN (a YAML or JSON edit plan) or --sheet SHEET")
    if plan is not None and sheet is not None:
        raise UsageError("--plan and --sheet cannot be combined", hint="apply them one after the other")
    if output is None and not dry_run:
        raise UsageError("no output file given", hint="use -o OUT, or --dry-run to only show the changes")
    out_format = output_format(output, to) if output is not None else None  # an unusable OUT: before any work
    editor: Editor
    inputs: list[Path | None] = [input, plan, sheet, map_file]
    if plan is not None:
        editor = load_plan(plan)  # validated and compiled before any user is read
        inputs += [listed.file for _, _, listed in editor.lists]  # the in_file lists it reads
    if output is not None and not dry_run:  # an OUT that is an input: before any user is read
        check_output_file(output, inputs, sidecar=out_format == CSV, force=force)  # a CSV is written with its sidecar beside it
    source = open_source(input, column_map=load_column_map(map_file))
    if sheet is not None:
        from bulkedit.sheet.apply import prepare

        # reading the sheet back, then the backup's keys: the sheet's bytes and the backup's
        with progress_bar("sheet", lambda: sheet.stat().st_size + source.size, enabled=format is not EditFormat.json) as progress:
            editor = prepare(
                source, sheet, key=key.value, allow_new=allow_new, accept=accept_damage or (), keep_damaged=keep_damaged,
                show_rows=None if every_refusal else show_refusals or SHOW_ROWS, progress=progress,
            )
    with progress_bar("edit", source.size, enabled=format is not EditFormat.json) as progress:
        result = apply_edits(
            source,
            editor,
            None if dry_run else output,
            to=to,
            dry_run=dry_run,
            key=key.value,
            show=show,
            show_refusals=None if every_refusal else show_refusals or SHOW_NOTICES,
            progress=progress,
            workers=jobs,
        )
    data = result.to_dict()
    sys.stdout.write(RENDERERS[format.value](data))
    if format is not EditFormat.text or not sys.stdout.isatty():
        print(summary_line(data), file=sys.stderr)
    if result.refused:
        raise typer.Exit(EXIT_FINDINGS)
