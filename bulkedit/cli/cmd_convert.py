"""`bulkedit convert IN -o OUT [--to ndjson|json|csv|xlsx]`."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from bulkedit.cli.options import ForceOption, InputFile, MapOption, OutputFile
from bulkedit.cli.progress import progress_bar
from bulkedit.cli.root import app
from bulkedit.privacy import text_safe


class OutFormat(StrEnum):
    ndjson = "ndjson"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


@app.command(
    "convert",
    epilog="""
    bulkedit convert export.json.gz -o users.xlsx
    bulkedit convert users.xlsx -o users.ndjson
    """,
)
def convert_cmd(
    input: InputFile,
    output: OutputFile,
    to: Annotated[OutFormat | None, typer.Option("--to", help="Output format; default: from OUT's suffix.")] = None,
    map_file: MapOption = None,
    columns: Annotated[
        str | None,
        typer.Option("--columns", metavar="FIELDS", help="CSV/XLSX: only these fields, comma-separated (user_id and email always kept)."),
    ] = None,
    force: ForceOption = False,
) -> None:
    """Convert any supported user file to NDJSON, JSON array, CSV or XLSX (dotted columns, exact types)."""
    from bulkedit.convert import convert
    from bulkedit.io.atomic import check_output_file
    from bulkedit.io.detect import CSV
    from bulkedit.io.read import load_column_map, open_source
    from bulkedit.io.write import output_format

    # before any input is read; a CSV is written with its type sidecar beside it
    check_output_file(output, [input, map_file], sidecar=output_format(output, to.value if to else None) == CSV, force=force)
    source = open_source(input, column_map=load_column_map(map_file))
    with progress_bar("convert", source.size) as progress:
        result = convert(source, output, to=to.value if to else None, columns=columns, progress=progress)
    out = result.output
    note = " (mode 0600: holds password hashes, MFA secrets or identity tokens)" if out.private else ""
    print(f"converted {out.users:,} users from {source.format} to {out.format}: {text_safe(out.path)}{note}", file=sys.stderr)
    if result.renamed:
        mapped = ", ".join(f"{k!r} -> {v}" for k, v in result.renamed.items())
        print(f"renamed columns read as Auth0 fields: {text_safe(mapped)}", file=sys.stderr)

