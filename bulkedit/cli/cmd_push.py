"""`bulkedit push CHUNKS_DIR [--domain DOMAIN] [--yes] [--dry-run] [--max-jobs 1|2] [--retry-dir DIR] [--format text|json]`."""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from bulkedit.cli.auth0opts import DomainOption, open_api
from bulkedit.cli.root import app
from bulkedit.errors import EXIT_FINDINGS, UsageError


class PushFormat(StrEnum):
    text = "text"
    json = "json"


class InDoubtPolicy(StrEnum):
    ask = "ask"
    resend = "resend"
    skip = "skip"


@app.command(
    "push",
    epilog="""
    bulkedit push chunks --dry-run
    bulkedit push chunks --retry-dir retry --source edited.ndjson
    """,
)
def push_cmd(
    chunks_dir: Annotated[Path, typer.Argument(help="The output folder of `bulkedit emit` (or `errors -o`), with its manifest.json.", show_default=False, metavar="CHUNKS_DIR")],
    domain: DomainOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (for scripts).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check the folder and the connections, show the plan, send nothing.")] = False,
    max_jobs: Annotated[int, typer.Option("--max-jobs", min=1, max=2, help="Import jobs in flight at once (Auth0 allows 2 per tenant).")] = 2,
    retry_dir: Annotated[Path | None, typer.Option("--retry-dir", metavar="DIR", help="Also write retry chunks of the failed users here, as `errors -o` does.")] = None,
    source: Annotated[
        Path | None,
        typer.Option("--source", metavar="EDITED", help="The edited export the chunks came from (for --retry-dir; default: the one the manifest names, if unchanged)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the content of a non-empty --retry-dir.")] = False,
    completion_email: Annotated[
        bool, typer.Option("--completion-email", help="Let Auth0 mail every tenant owner when each job ends (off by default).")
    ] = False,
    in_doubt: Annotated[
        InDoubtPolicy,
        typer.Option("--in-doubt", help="A chunk without upsert whose send may have reached Auth0: ask (on a terminal), resend, or skip."),
    ] = InDoubtPolicy.ask,
    format: Annotated[PushFormat, typer.Option("--format", "-f", help="Summary format.")] = PushFormat.text,
) -> None:
    """Import the chunks into Auth0 as jobs (two at a time), resumable, and explain the failed users."""
    from bulkedit.auth0.journal import STATE_DIR
    from bulkedit.auth0.prepare import prepare
    from bulkedit.auth0.push import dry_run as planned_only
    from bulkedit.auth0.push import push
    from bulkedit.privacy import text_safe
    from bulkedit.report.push import PUSH_RENDERERS, render_plan

    if retry_dir is not None:
        source = _retry_source(chunks_dir, source)
        from bulkedit.joberrors.analyse import check_retry_dir

        check_retry_dir(retry_dir, [], chunks=chunks_dir, source=source, force=force)
    sending = False
    try:
        with open_api(domain) as api:
            plan = prepare(api, chunks_dir)
            print(render_plan(plan.to_dict()), file=sys.stderr, end="")
            if dry_run:
                sys.stdout.write(PUSH_RENDERERS[format.value](planned_only(plan).to_dict()))
                return
            if plan.to_send and not yes:
                if not _terminal():
                    raise UsageError("push asks before it sends, and there is no terminal to ask on", hint="pass --yes to send without asking (or --dry-run to only look)")
                if not typer.confirm(f"Import {len(plan.to_send):,} chunk(s) into {plan.domain}?", default=False, err=True):
                    print("bulkedit: nothing was sent", file=sys.stderr)
                    raise typer.Exit(EXIT_FINDINGS)
            sending = True
            with _progress_bar(len(plan.chunks), enabled=format is PushFormat.text) as progress:
                result = push(
                    api, plan, max_jobs=max_jobs, completion_email=completion_email, in_doubt=_in_doubt(in_doubt),
                    progress=progress, retry_dir=retry_dir, source=source, force=force,
                )
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM/SIGHUP (signals.Terminated)
        # not "no output was written": jobs may have been started, and the journal says which
        said = "push interrupted" + ("" if sending else " before it sent anything")
        print(
            f"bulkedit: {said}; jobs already started go on in Auth0, and the journal in "
            f"{text_safe(chunks_dir / STATE_DIR)} records every chunk sent\n"
            "  hint: run the same command again: it waits for those jobs and sends only the chunks never accepted",
            file=sys.stderr,
        )
        raise typer.Exit(128 + getattr(exc, "signum", signal.SIGINT)) from None
    sys.stdout.write(PUSH_RENDERERS[format.value](result.to_dict()))
    if not result.ok:
        raise typer.Exit(EXIT_FINDINGS)


def _terminal() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def _retry_source(chunks_dir: Path, source: Path | None) -> Path:
    """--source, else the edited export the manifest names when it is still there unchanged."""
    if source is not None:
        return source
    from bulkedit.importfile.manifest import read_manifest
    from bulkedit.io.read import file_sha256

    manifest, _ = read_manifest(chunks_dir, "push takes the output folder of `bulkedit emit`")
    found = manifest.get("source")
    named: dict[str, Any] = found if isinstance(found, dict) else {}
    path = Path(str(named["file"])) if named.get("file") else None
    if path is None or not path.is_file() or file_sha256(path) != named.get("sha256"):
        raise UsageError("--retry-dir needs --source EDITED", hint="Auth0's answer hides secrets as *****, so retry users are rebuilt from the edited export")
    return path


def _in_doubt(policy: InDoubtPolicy) -> Callable[[list[Any]], bool | None]:
    def decide(chunks: list[Any]) -> bool | None:
        if policy is InDoubtPolicy.resend:
            return True
        if policy is InDoubtPolicy.skip:
            return False
        names = "\n".join(f"  {c.file} ({c.users:,} users)" for c in chunks)
        print(f"bulkedit: these chunks were sent but no answer came back, so they may already be imported:\n{names}\n"
              "  they are imported without upsert: sending them again would fail every user already created", file=sys.stderr)
        if not _terminal():
            print("  left in doubt (no terminal to ask on); run push again with --in-doubt resend or --in-doubt skip", file=sys.stderr)
            return None
        return typer.confirm("Send them again?", default=False, err=True)

    return decide


@contextlib.contextmanager
def _progress_bar(total: int, *, enabled: bool) -> Iterator[Callable[[Any], None] | None]:
    """A bar of chunks done, users inserted / updated / failed and jobs in flight; as every bar, only
    on a terminal and never with --format json (bulkedit.cli.progress)."""
    from bulkedit.cli.progress import stderr_is_terminal

    if not enabled or not stderr_is_terminal():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        "[bold]push", BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=Console(stderr=True, force_terminal=True), transient=True,
    ) as prog:
        task = prog.add_task("", total=total)

        def update(p: Any) -> None:
            desc = f"inserted {p.inserted:,}  updated {p.updated:,}  failed {p.failed:,}  jobs in flight {p.in_flight}"
            if p.waiting:
                desc += f"  ({p.waiting})"
            prog.update(task, completed=p.done, description=desc)

        yield update
