"""`bulkedit errors ERRORS.json... [--chunks OUTDIR] [--source EDITED] [-o RETRY_DIR] [--format text|json|markdown]`."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bulkedit.cli.options import MapOption
from bulkedit.cli.progress import progress_bar
from bulkedit.cli.root import app
from bulkedit.defaults import ERRORS_SHOWN_PER_CODE


class ErrorsFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


@app.command(
    "errors",
    epilog="""
    bulkedit errors job-errors.json --chunks chunks --source edited.ndjson
    bulkedit errors job-errors/ --chunks chunks --source edited.ndjson -o retry
    """,
)
def errors_cmd(
    answers: Annotated[
        list[Path],
        typer.Argument(
            help="Saved answers of GET /jobs/{id}/errors (JSON, optionally .gz), one per job; a folder for all in it.",
            show_default=False,
            metavar="ERRORS.json",
        ),
    ],
    chunks: Annotated[
        Path | None, typer.Option("--chunks", metavar="CHUNKS_DIR", help="The `emit` output folder the job's files came from (uses manifest.json).")
    ] = None,
    source: Annotated[
        Path | None, typer.Option("--source", metavar="EDITED", help="The edited export the chunks were made from (maps to line/row; retry users come from it).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", metavar="RETRY_DIR", help="Write retry chunks of the failed users here, with a manifest.")
    ] = None,
    format: Annotated[ErrorsFormat, typer.Option("--format", "-f", help="Report format.")] = ErrorsFormat.text,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Users shown per code in text/markdown.")] = ERRORS_SHOWN_PER_CODE,
    force: Annotated[bool, typer.Option("--force", help="Replace the content of a non-empty -o folder.")] = False,
    connection: Annotated[
        str | None,
        typer.Option("--connection", metavar="NAME", help="Connection of retry users whose chunk and source record name none (an import file)."),
    ] = None,
    map_file: MapOption = None,
) -> None:
    """Explain an import job's failed users, map them to chunk and source record, and build retry chunks."""
    from bulkedit.io.read import load_column_map
    from bulkedit.joberrors.analyse import check_retry_dir, explain
    from bulkedit.report.joberrors import RENDERERS

    if output is not None:  # before any input is read
        check_retry_dir(output, answers, chunks=chunks, source=source, force=force, map_file=map_file)
    with progress_bar(
        "errors", source.stat().st_size if source is not None and source.is_file() else None, enabled=format is not ErrorsFormat.json
    ) as progress:
        result = explain(
            answers,
            chunks=chunks,
            source=source,
            retry_dir=output,
            force=force,
            limit=limit,
            column_map=load_column_map(map_file),
            progress=progress,
            connection=connection,
        )
    sys.stdout.write(RENDERERS[format.value](result.to_dict()))
