"""Push's first step: check an emit folder's chunks, resolve its connections, read back the journal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bulkedit.auth0.client import Api
from bulkedit.auth0.journal import Journal, open_journal, tenant_folder
from bulkedit.auth0.plan import PlannedChunk, PushPlan
from bulkedit.auth0.pull import resolve_connection
from bulkedit.errors import InputError, RefusedError
from bulkedit.importfile.manifest import MANIFEST, Chunk, read_manifest
from bulkedit.io.read.stream import file_sha256

HINT = "push takes the output folder of `bulkedit emit` (or of `errors -o`), with its manifest.json"


def _job(manifest: dict[str, Any]) -> dict[str, Any]:
    job = manifest.get("job")
    return job if isinstance(job, dict) else {}


def chunk_upsert(manifest: dict[str, Any], chunk: Chunk) -> bool:
    """The upsert setting of a chunk's job, as its manifest records it.

    The chunk's own `upsert` (emit and `errors -o` write one for every chunk), else the
    manifest's `job.upsert`; else a retry chunk under `upsert/`, or a folder emitted with
    --backup (an edit of users the tenant holds: without upsert every one of them would
    fail as already existing) says on; else off, Auth0's default.
    """
    options = manifest.get("options")
    for doc in (chunk.entry, _job(manifest), manifest, options if isinstance(options, dict) else {}):
        value = doc.get("upsert")
        if isinstance(value, bool):
            return value
    if chunk.file.split("/", 1)[0] == "upsert":
        return True
    return bool(manifest.get("backup"))


def chunk_external_id(chunk: Chunk, manifest_sha: str) -> str:
    """The chunk's `external_id` as its manifest gives it, else one tying the job to the manifest and chunk."""
    given = chunk.entry.get("external_id")
    if isinstance(given, str) and given.strip():
        return given[:255]
    return f"bulkedit:{manifest_sha[:16]}:{chunk.file}"[:255]


def completion_email(manifest: dict[str, Any]) -> bool:
    """The manifest's `job.send_completion_email` (off when it does not say: Auth0's default would
    mail every tenant owner once per chunk)."""
    return _job(manifest).get("send_completion_email") is True


def check_sums(folder: Path, chunks: list[Chunk]) -> None:
    """Refuse (exit 1, nothing sent) chunks that changed since emit or that lint finds an error in.

    (`read_manifest` has already refused a folder whose chunk files are not those it lists.)"""
    from bulkedit.fields import IMPORT_FILE_LIMIT
    from bulkedit.lint.engine import LintOptions
    from bulkedit.lint.run import lint

    if not chunks:
        raise InputError("the manifest lists no chunks", where=str(folder / MANIFEST), hint=HINT)
    changed: list[str] = []
    for c in chunks:
        want = c.entry.get("sha256")
        if not isinstance(want, str):
            raise InputError(f"the manifest gives no sha256 for {c.file}", where=str(folder / MANIFEST), hint=HINT)
        if file_sha256(c.path) != want:
            changed.append(c.file)
        elif c.path.stat().st_size > IMPORT_FILE_LIMIT:
            raise RefusedError(f"chunk {c.file} is over Auth0's limit of {IMPORT_FILE_LIMIT:,} bytes", hint="emit again with a smaller --max-bytes")
        if not c.connection:
            raise InputError(f"the manifest names no connection for {c.file}", where=str(folder / MANIFEST), hint=HINT)
    if changed:
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        raise RefusedError(
            f"{len(changed)} chunk(s) changed since emit wrote the manifest: {shown}; nothing was sent",
            where=str(folder),
            hint="emit the folder again from the edited export (and review it) rather than editing chunks by hand",
        )
    result = lint([c.path for c in chunks], LintOptions(max_per_rule=5))
    if result.errors:
        raise RefusedError(
            f"lint finds {result.errors:,} error(s) in the chunks; nothing was sent",
            where=str(folder),
            hint=f"run `bulkedit lint {folder}` to see them, fix the edited export and emit again",
        )


def prepare(api: Api, folder: Path) -> PushPlan:
    """Check the folder and resolve its connections (see the module docstring); sends nothing."""
    manifest, chunks = read_manifest(folder, HINT)
    check_sums(folder, chunks)
    manifest_sha = file_sha256(folder / MANIFEST)
    ids: dict[str, str] = {}
    for name in sorted({c.connection for c in chunks if c.connection}):
        conn = resolve_connection(api, name, database=True)
        ids[name] = str(conn["id"])
    planned = tuple(
        PlannedChunk(
            file=c.file, path=c.path, connection=str(c.connection), connection_id=ids[str(c.connection)],
            users=int(c.entry.get("users") or 0), bytes=c.path.stat().st_size, upsert=chunk_upsert(manifest, c),
            external_id=chunk_external_id(c, manifest_sha),
        )
        for c in chunks
    )
    done: list[str] = []
    running: list[str] = []
    doubt: list[str] = []
    state_dir = tenant_folder(folder, api.domain)
    jpath = state_dir / "journal.jsonl"
    if jpath.exists():
        with open_journal(state_dir) as j:
            check_begun(j, manifest_sha, folder)
            for c in planned:
                st = j.chunks.get(c.file)
                if st is None:
                    continue
                if st.in_doubt:
                    doubt.append(c.file)
                elif st.outcome == "accepted" and st.finished:
                    done.append(c.file)
                elif st.outcome == "accepted":
                    running.append(c.file)
    return PushPlan(folder, api.domain, manifest_sha, ids, planned, tuple(done), tuple(running), tuple(doubt), completion_email(manifest))


def check_begun(j: Journal, manifest_sha: str, folder: Path) -> None:
    if j.begun is not None and j.begun.get("manifest_sha256") != manifest_sha:
        raise RefusedError(
            f"{j.path} belongs to another manifest than {folder / MANIFEST} (the folder was emitted again since)",
            hint="the jobs it records were sent from the old chunks; move that push/ folder away to push these as new",
        )
