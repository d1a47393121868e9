"""`bulkedit emit IN -o OUTDIR [--max-bytes N] [--connection NAME] [--backup BACKUP] [--force]`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bulkedit.cli.options import InputFile, MapOption
from bulkedit.cli.progress import progress_bar
from bulkedit.cli.root import app
from bulkedit.emit.pack import DEFAULT_MAX_BYTES
from bulkedit.errors import EXIT_FINDINGS


@app.command(
    "emit",
    epilog="""
    bulkedit emit edited.ndjson -o chunks --backup export.json.gz
    bulkedit emit import.json -o chunks --connection Username-Password-Authentication
    """,
)
def emit_cmd(
    input: InputFile,
    outdir: Annotated[Path, typer.Option("-o", "--output", metavar="OUTDIR", help="Output folder (must be empty, or pass --force).", show_default=False)],
    max_bytes: Annotated[int, typer.Option("--max-bytes", help="Largest chunk file in bytes, at most 511000 (Auth0 refuses a request over 512000 bytes, envelope included).")] = DEFAULT_MAX_BYTES,
    connection: Annotated[str | None, typer.Option("--connection", metavar="NAME", help="Connection for users whose file names none (an import file).")] = None,
    backup: Annotated[Path | None, typer.Option("--backup", help="The tenant's full export: write rollback/ chunks and check upsert effects.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the content of a non-empty OUTDIR (never one holding an input or the current directory).")] = False,
    map_file: MapOption = None,
    all_users: Annotated[bool, typer.Option("--all-users", help="With --backup, also write the users an import would not change (by default only those it changes are written).")] = False,
) -> None:
    """Write import-ready JSON array chunks per connection, a manifest and (with --backup) rollback chunks."""
    from bulkedit.emit.emit import EmitOptions, EmitRefused, emit
    from bulkedit.report.emit import render_summary
    from bulkedit.report.lint import render_text

    options = EmitOptions(max_bytes=max_bytes, connection=connection, backup=backup, force=force, column_map=map_file,
                          all_users=all_users)
    try:
        # the backup's bytes, then the input's
        with progress_bar("emit", lambda: input.stat().st_size + (backup.stat().st_size if backup is not None else 0)) as progress:
            result = emit(input, outdir, options, progress)
    except EmitRefused as exc:
        data = exc.lint.to_dict()
        data["findings"] = [f for f in data["findings"] if f["severity"] == "error"]
        sys.stderr.write(render_text(data))
        print(f"bulkedit: error: {exc.render()}", file=sys.stderr)
        raise typer.Exit(EXIT_FINDINGS) from None
    sys.stderr.write(render_summary(result.to_dict(), str(outdir)))
    if result.lint.warnings:
        data = result.lint.to_dict()
        data["findings"] = [f for f in data["findings"] if f["severity"] == "warning"]
        data["rules"] = {c: r for c, r in data["rules"].items() if r["severity"] == "warning"}
        sys.stderr.write("warnings in what was written:\n" + render_text(data))
