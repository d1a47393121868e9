"""`emit`: convert an edited export into import-ready chunks per connection, with a manifest.

One pass over the input: each user is converted (`convert.to_import_user`), checked by
the same lint `Checker` that `bulkedit lint` uses, encoded once (or its original bytes
reused when nothing changed) and packed into the chunk of its connection, which is
written as soon as it is full. Everything goes into a temporary folder that becomes
OUTDIR only when no lint error was found: a refusal leaves nothing behind.
"""

from __future__ import annotations

import shutil
from array import array
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from bulkedit import __version__, fields
from bulkedit.emit.pack import DEFAULT_MAX_BYTES, ChunkInfo, ChunkWriter, UserTooLarge
from bulkedit.errors import RefusedError, UsageError
from bulkedit.io import jsonio
from bulkedit.io.atomic import atomic_dir, check_output_dir
from bulkedit.io.parallel import run_ranges
from bulkedit.io.read import load_column_map, open_source, reporting
from bulkedit.io.signals import crash_point
from bulkedit.io.write import has_secret
from bulkedit.lint.engine import FileContext, LintOptions, make_checker
from bulkedit.lint.model import FileSummary, LintResult
from bulkedit.lint.parts import parallel_cut
from bulkedit.lint.registry import config_from_pyproject
from bulkedit.paths import MISSING

#: Fields an upsert updates, which a rollback can therefore put back.
ROLLBACK_FIELDS = tuple(sorted(fields.IMPORT_FIELDS - fields.UPSERT_IGNORED - fields.SECRET_FIELDS))
#: Changes a rollback cannot undo, whatever it sends.
UNDOABLE_NOT = fields.SECRET_FIELD_ORDER


#: What starting each chunk's import job takes, beside the chunk's own `connection`, `upsert` and
#: `external_id` (POST /api/v2/jobs/users-imports; auth0-formats.md §4). emit works offline, so the
#: connection's id (`con_` + 16 letters/digits, the only way a job names it) is looked up by name
#: when the job is started: GET /api/v2/connections?name=<connection>.
JOB: dict[str, Any] = {
    "endpoint": "POST /api/v2/jobs/users-imports",
    "connection_id": None,
    "connection_id_lookup": "GET /api/v2/connections?name=<connection>&strategy=auth0",
    "upsert": True,  # an edit updates existing users; upsert also creates the new ones
    "send_completion_email": False,  # Auth0's default true mails every tenant owner per job
    "max_concurrent_jobs": 2,  # a third pending or running job is refused (HTTP 429)
    "time_limit_hours": 2,  # a job still running after two hours fails
    "results_kept_hours": 24,  # fetch GET /jobs/{id}/errors before Auth0 deletes the job's data
}


def _job_entry(chunk: ChunkInfo, source_sha: str, name: str) -> dict[str, Any]:
    """A chunk as the manifest lists it: the file's facts and its job's `upsert` and `external_id`
    (free text Auth0 keeps with the job: the source's sha256 prefix and the chunk's number)."""
    return dict(chunk.to_dict(), upsert=JOB["upsert"], external_id=f"bulkedit-{source_sha[:12]}-{name}")


@dataclass(frozen=True)
class EmitOptions:
    max_bytes: int = DEFAULT_MAX_BYTES
    connection: str | None = None
    backup: Path | None = None
    force: bool = False
    column_map: Path | None = None
    select: str | None = None
    ignore: str | None = None
    config: dict[str, Any] | None = None
    #: with a backup, also write the users an import would not change (without one, every user is written)
    all_users: bool = False


@dataclass(frozen=True)
class EmitResult:
    """What emit wrote (its manifest) and the lint result of what it wrote."""

    outdir: Path
    manifest: dict[str, Any]
    lint: LintResult

    @property
    def chunks(self) -> list[dict[str, Any]]:
        return self.manifest["chunks"]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.manifest, lint=self.lint.to_dict()["summary"])


class EmitRefused(RefusedError):
    """Lint found errors in what emit would write; nothing was written."""

    def __init__(self, message: str, lint: LintResult, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.lint = lint


@dataclass
class _Rollback:
    writer: ChunkWriter
    cannot_undo: list[dict[str, Any]] = field(default_factory=list)

    def add(self, user: dict[str, Any], backup: dict[str, Any], connection: str, pos: int) -> None:
        restore: dict[str, Any] = {}
        for f in ROLLBACK_FIELDS:
            new, old = user.get(f, MISSING), backup.get(f, MISSING)
            if new is MISSING or new == old:
                continue
            if old is MISSING:
                self._note(user, pos, f, "the edit added this field; an upsert cannot remove it")
            else:
                restore[f] = old  # metadata whole: an upsert replaces it whole
        for f in UNDOABLE_NOT:
            if f in user and user[f] != backup.get(f, MISSING):
                self._note(user, pos, f, "a changed hash or MFA factor cannot be rolled back from an export")
        if not restore:
            return
        out: dict[str, Any] = {"email": backup["email"]}
        if "user_id" in backup:
            out["user_id"] = backup["user_id"]
        if backup.get("email_verified") is True:
            out["email_verified"] = True  # an import that omits it may reset it to false
        out.update(restore)
        self.writer.add(connection, jsonio.dumps(out))

    def _note(self, user: dict[str, Any], pos: int, f: str, reason: str) -> None:
        self.cannot_undo.append({"user_id": user.get("user_id"), "email": user.get("email"), "pos": pos, "field": f, "reason": reason})


class _Spool:
    """Encoded users of a worker's part, one file per connection, each user followed by `,\\n`.

    With the users' lengths the parent packs them (`ChunkWriter.add_spooled`) and
    writes whole chunks from the file's bytes.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.open: dict[str, tuple[Any, array[int], list[int]]] = {}
        self.paths: dict[str, str] = {}

    def add(self, connection: str, item: bytes, *, private: bool = False, where: str | None = None) -> None:
        entry = self.open.get(connection)
        if entry is None:
            path = self.folder / f"{len(self.open):05d}.spool"
            entry = self.open[connection] = (open(path, "wb", buffering=1 << 20), array("I"), [])  # noqa: SIM115 - closed in close()
            self.paths[connection] = str(path)
        f, sizes, private_at = entry
        if private:
            private_at.append(len(sizes))
        sizes.append(len(item))
        f.write(item)
        f.write(b",\n")

    def close(self) -> dict[str, tuple[str, bytes, list[int]]]:
        """Per connection: (spool path, the users' lengths as array('I') bytes, indexes of users with secrets)."""
        for f, _, _ in self.open.values():
            f.close()
        return {conn: (self.paths[conn], sizes.tobytes(), private_at) for conn, (_, sizes, private_at) in self.open.items()}


@dataclass
class _Emitter:
    """The per-user work of emit, the same in the parent and in a worker."""

    checker: Any
    options: EmitOptions
    add: Any  # ChunkWriter.add or _Spool.add
    rollback: _Rollback | None = None
    left_out: list[dict[str, Any]] = field(default_factory=list)
    dropped: dict[Any, int] = field(default_factory=dict)  # a kind of user's dropped fields -> users
    users: int = 0
    read: int = 0

    def dropped_fields(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for names, n in self.dropped.items():
            for f in names:
                out[f] = out.get(f, 0) + n
        return dict(sorted(out.items()))

    @staticmethod
    def _no_connection(source: Any, pos: int) -> NoReturn:
        raise UsageError(
            "this user names no connection (an import file has none)",
            where=source.where(pos),
            hint="pass --connection NAME: the database connection these users are imported into",
        )

    def _too_large(self, source: Any, pos: int, size: int) -> NoReturn:
        raise UserTooLarge.of("the user", size, self.options.max_bytes, source.where(pos))

    def run(self, source: Any, records: Any, idx: int) -> None:
        checker, add, options = self.checker, self.add, self.options
        convert, check = checker.convert, checker.check
        limit = options.max_bytes - 2
        dropped = self.dropped
        dumps = jsonio.dumps
        quick = checker.quick
        compare = checker.tenant is not None
        for rec in records:
            self.read += 1
            orig = rec.user
            if quick(rec, idx, options.connection):  # checked already: only convert and write it
                extra, strip, conn = checker.quick_facts
                user = orig
                if extra or strip:
                    # to_import_user's conversion of such a user, done in place: drop the
                    # export-only keys, strip the prefix (tests hold the two equal)
                    for k in extra:
                        del user[k]
                    if strip:
                        user["user_id"] = user["user_id"][6:]
                    if extra:
                        dropped[extra] = dropped.get(extra, 0) + 1
                    encoded = dumps(user)
                else:
                    encoded = rec.raw if rec.raw is not None else dumps(user)
                conn = conn or options.connection
                if conn is None:
                    self._no_connection(source, rec.pos)
                if len(encoded) > limit:
                    self._too_large(source, rec.pos, len(encoded))
                add(conn, encoded, private=has_secret(user))
                self.users += 1
                continue
            conv = convert(rec, idx)
            if not conv.importable:
                self.left_out.append({"user_id": orig.get("user_id"), "email": orig.get("email"), "reason": conv.reason, "pos": rec.pos})
                continue
            conn = conv.connection or options.connection
            if conn is None:
                self._no_connection(source, rec.pos)
            user = checker.complete(conv.user, conn)  # metadata from a sheet's leaf columns, laid over the backup's
            if compare and checker.unchanged(user, conn) and not options.all_users:
                continue  # the import would change nothing in the tenant: counted, not written
            if conv.dropped:  # counted per kind of user; expanded to fields in `dropped_fields()`
                dropped[conv.dropped] = dropped.get(conv.dropped, 0) + 1
            encoded = rec.raw if (rec.raw is not None and user is orig and not conv.changed) else dumps(user)
            if len(encoded) > limit:
                self._too_large(source, rec.pos, len(encoded))
            backup = check(user, idx, rec.pos, conn, raw=encoded, judged_as="import", key_user=orig)
            add(conn, encoded, private=has_secret(user))
            self.users += 1
            if self.rollback is not None and backup is not None:
                self.rollback.add(user, backup, conn, rec.pos)


def emit(
    input: Path | str, outdir: Path | str, options: EmitOptions | None = None, progress: Callable[[int], None] | None = None
) -> EmitResult:
    """Write import-ready chunks of `input` to `outdir` (see cli.md `emit`).

    `progress`, when given, is told the bytes read so far: the backup's, then the input's.

    A large uncompressed NDJSON input is read in two processes: the second half's
    users are spooled by a worker with their lengths and packed after the first
    half's (`ChunkWriter.add_spooled`), so the chunks are byte for byte those of a
    single pass.
    """
    options = options or EmitOptions()
    input, outdir = Path(input), Path(outdir)
    if options.max_bytes < 1024:
        raise UsageError(f"--max-bytes {options.max_bytes} is too small", hint="use at least 1024 (default 480000)")
    if options.connection is not None and (not options.connection.strip() or options.connection != options.connection.strip()
                                           or any(ch in options.connection for ch in "/\\") or options.connection in (".", "..")):
        raise UsageError(
            f"--connection {options.connection!r} is not a connection name",
            hint="give the database connection's name as the Dashboard shows it (e.g. Username-Password-Authentication)",
        )
    if options.max_bytes > fields.IMPORT_FILE_LIMIT:
        raise UsageError(
            f"--max-bytes {options.max_bytes} is above Auth0's limit: it refuses a request over 512,000 bytes, "
            f"so a file may hold at most {fields.IMPORT_FILE_LIMIT:,} (lint rule BE701)",
            hint=f"use at most {fields.IMPORT_FILE_LIMIT} (default {DEFAULT_MAX_BYTES}, which leaves room for the request's envelope)",
        )
    inputs = (input, options.backup, options.column_map)
    check_output_dir(outdir, force=options.force, inputs=inputs)  # before any input is read
    source = open_source(input, column_map=load_column_map(options.column_map))
    lint_options = LintOptions(
        select=options.select,
        ignore=options.ignore,
        backup=options.backup,
        config=options.config if options.config is not None else config_from_pyproject(),
        max_per_rule=50,
    )
    checker = make_checker(lint_options, progress)
    tenant = checker.tenant
    read_before = tenant.source.size if tenant is not None and progress is not None else 0
    # the manifest names the source by its sha256: a thread hashes it while the users are
    # worked on (hashlib lets go of the GIL), started once no more process is forked
    hashing = ThreadPoolExecutor(max_workers=1)
    source_sha: list[Future[str]] = []
    with hashing, atomic_dir(outdir, force=options.force, inputs=inputs) as tmp:
        writer = ChunkWriter(tmp, options.max_bytes)
        rollback = _Rollback(ChunkWriter(tmp, options.max_bytes, prefix="rollback/")) if tenant is not None else None
        em = _Emitter(checker, options, writer.add, rollback)
        idx = checker.begin_file(str(source.path), source)
        # this process also writes the worker's chunks afterwards (from its spool, about 0.5 s
        # at 1M users): it reads a little less than half
        cut = parallel_cut(source, share=0.485) if tenant is None else None
        if cut is None:
            source_sha.append(hashing.submit(source.sha256))
            em.run(source, reporting(source.records(), source, progress, read_before), idx)
            size = source.bytes_read if source.compressed else source.size
        else:
            size = source.size
            spool_dir = tmp / ".spool"
            spool_dir.mkdir()

            def emit_range(start: int, end: int) -> Any:
                if start == 0:  # this process: straight into the chunk writer
                    source_sha.append(hashing.submit(source.sha256))
                    em.run(source, reporting(source.records_range(0, end), source, progress, read_before), idx)
                    checker.index_seen()  # while the worker still reads
                    return None
                # the worker: its own checker, its users spooled per connection, packed here afterwards
                part = checker.fork(lint_options)
                spool = _Spool(spool_dir)
                worker = _Emitter(part, options, spool.add)
                try:
                    worker.run(source, source.records_range(start, end), idx)
                finally:
                    paths = spool.close()
                crash_point("spooled")
                return {"state": part.export_state(), "spool": paths, "left_out": worker.left_out,
                        "dropped": worker.dropped, "users": worker.users, "read": worker.read, "renamed": source.renamed}

            _, part = run_ranges(emit_range, [(0, cut), (cut, size)])
            checker.merge(part["state"])
            spools = []
            for conn, (spath, sizes, private_at) in part["spool"].items():
                lengths = array("I")
                lengths.frombytes(sizes)
                spools.append((conn, spath, lengths, private_at))
            writer.add_spooled_all(spools)
            shutil.rmtree(spool_dir)
            em.left_out.extend(part["left_out"])
            for k, v in part["dropped"].items():
                em.dropped[k] = em.dropped.get(k, 0) + v
            em.users += part["users"]
            em.read += part["read"]
            source.renamed.update(part["renamed"])
        if progress is not None:
            progress(read_before + source.size)
        checker.end_file(FileContext(source, "export", size, tenant is not None))
        summary = FileSummary(str(source.path), source.format, em.read, size, "export",
                              checker.unchanged_users if tenant is not None and not options.all_users else None)
        result = checker.result([summary], str(options.backup) if options.backup else None)
        if result.errors:
            raise EmitRefused(
                f"lint found {result.errors:,} error(s) in what emit would write; nothing was written",
                result,
                where=str(source.path),
                hint=f"run `bulkedit lint {source.path}` for every finding, fix them, and emit again",
            )
        chunks = writer.close()
        rb_chunks = rollback.writer.close() if rollback is not None else []
        source_digest = source_sha[0].result()
        manifest = {
            "bulkedit_version": __version__,
            "source": {"file": str(source.path), "sha256": source_digest, "format": source.format},
            "backup": tenant.to_dict() if tenant is not None else None,
            "options": {"max_bytes": options.max_bytes, "connection": options.connection, "force": options.force,
                        "all_users": options.all_users},
            "job": JOB,
            "chunks": [_job_entry(c, source_digest, f"{i:04d}") for i, c in enumerate(chunks, 1)],
            "rollback": [_job_entry(c, source_digest, f"rollback-{i:04d}") for i, c in enumerate(rb_chunks, 1)],
            "rollback_cannot_undo": rollback.cannot_undo if rollback is not None else [],
            "left_out": em.left_out,
            "dropped_fields": em.dropped_fields(),
            "users": em.users,
            # with a backup: users an upsert would not change (written only with --all-users); None: no backup to tell
            "unchanged": checker.unchanged_users if tenant is not None else None,
            "metadata_completed": checker.completed,
            "private_files": [c.file for c in chunks + rb_chunks if c.private],
        }
        (tmp / "manifest.json").write_bytes(jsonio.dumps_pretty(manifest) + b"\n")
    return EmitResult(outdir, manifest, result)


__all__ = ["ChunkInfo", "EmitOptions", "EmitRefused", "EmitResult", "emit"]
