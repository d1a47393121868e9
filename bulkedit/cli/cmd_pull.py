"""`bulkedit pull -o FILE [--connection NAME] [--domain DOMAIN] [--fields ...] [--format text|json]`."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bulkedit.cli.auth0opts import DomainOption, open_api
from bulkedit.cli.options import ForceOption
from bulkedit.cli.root import app
from bulkedit.privacy import text_safe


class PullFormat(StrEnum):
    text = "text"
    json = "json"


@app.command(
    "pull",
    epilog="""
    bulkedit pull -o export.json.gz
    bulkedit pull -o export.json.gz --connection Username-Password-Authentication
    """,
)
def pull_cmd(
    output: Annotated[Path, typer.Option("-o", "--output", metavar="FILE", help="Where to save the export (gzip NDJSON, e.g. export.json.gz).", show_default=False)],
    connection: Annotated[str | None, typer.Option("--connection", metavar="NAME", help="Export only this connection's users (by name); default: the whole tenant.")] = None,
    domain: DomainOption = None,
    fields: Annotated[
        list[str] | None,
        typer.Option("--fields", help="Fields to export (comma-separated or repeated); default: all a lossless backup needs."),
    ] = None,
    format: Annotated[PullFormat, typer.Option("--format", "-f", help="Report format (what inspect says about the file).")] = PullFormat.text,
    force: ForceOption = False,
) -> None:
    """Run a users-export job and save the export atomically, ready to be the backup of an edit."""
    from bulkedit.auth0.pull import pull
    from bulkedit.io.atomic import check_output_file
    from bulkedit.report.push import PULL_RENDERERS

    check_output_file(output, [], force=force)
    chosen = [f.strip() for item in (fields or []) for f in item.split(",") if f.strip()]
    with open_api(domain) as api:
        result = pull(api, output, connection=connection, fields=chosen or None, on_status=_status)
    sys.stdout.write(PULL_RENDERERS[format.value](result.to_dict()))
    print(text_safe(f"bulkedit: saved {result.inspect['users']:,} users of {result.domain} to {result.file} (job {result.job_id})"), file=sys.stderr)


def _status(job: dict[str, object]) -> None:
    if sys.stderr.isatty():
        print("\r" + text_safe(f"export job {job.get('id')}: {job.get('status')}") + "   ", end="", file=sys.stderr, flush=True)
