"""`bulkedit inspect FILE [--format text|json]`."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from bulkedit.cli.options import InputFile, MapOption
from bulkedit.cli.progress import progress_bar
from bulkedit.cli.root import app


class InspectFormat(StrEnum):
    text = "text"
    json = "json"


@app.command(
    "inspect",
    epilog="""
    bulkedit inspect export.json.gz
    bulkedit inspect users.csv --format json
    """,
)
def inspect_cmd(
    file: InputFile,
    format: Annotated[InspectFormat, typer.Option("--format", "-f", help="Report format.")] = InspectFormat.text,
    map_file: MapOption = None,
) -> None:
    """Describe a user file: format, user count, connections, fields with their JSON types, duplicates."""
    from bulkedit.inspect import inspect
    from bulkedit.io.read import load_column_map, open_source
    from bulkedit.report.inspect import RENDERERS

    source = open_source(file, column_map=load_column_map(map_file))
    with progress_bar("inspect", source.size, enabled=format is not InspectFormat.json) as progress:
        result = inspect(source, progress=progress)
    sys.stdout.write(RENDERERS[format.value](result.to_dict()))
