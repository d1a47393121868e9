"""`errors`: explain a job's failed users, map them to chunk and source record, build retry chunks.

Steps, each optional after the first:
1. read every saved answer (answer.py);
2. with an `emit` folder, find each failed user in its chunk (through manifest.json);
3. with the edited export, find its record there (line or row);
4. with a retry folder, rebuild the retryable users from the source (never from
   Auth0's redacted copy) through emit's conversion, lint and packing.

Only the users named by the answers are kept in memory while the chunk files and
the source are streamed, so the cost is one pass over each.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from bulkedit import privacy
from bulkedit.defaults import ERRORS_SHOWN_PER_CODE
from bulkedit.errors import InputError, UsageError
from bulkedit.importfile.manifest import VERIFY_SIZE, Chunk, changed_chunk, load_json_file, read_manifest
from bulkedit.io.atomic import check_output_dir
from bulkedit.io.read import file_sha256, open_source, reporting
from bulkedit.joberrors import codes as codemod
from bulkedit.joberrors import match
from bulkedit.joberrors.answer import ERRORS, ErrorItem, JobAnswer, read_answer
from bulkedit.joberrors.model import AnswerFile, ChunkHit, CodeSummary, ErrorsResult, Failure, SourceHit, Work
from bulkedit.joberrors.retry import build_retry

CHUNKS_HINT = "--chunks takes the output folder of `bulkedit emit`"
#: a source at least this large is read while a second process reads the chunks
PARALLEL_MIN_BYTES = 32 << 20
ANSWER_SUFFIXES = (".json", ".json.gz", ".ndjson", ".jsonl")


# -- chunks -------------------------------------------------------------------------


ChunkIndex = dict[str, list[tuple[dict[str, Any], ChunkHit]]]


def _chunk_candidates(chunks: list[Chunk], emails: set[str], ids: set[str]) -> tuple[ChunkIndex, list[str]]:
    """The chunk users whose email or user_id is wanted, by that key; and notes about the folder."""
    notes: list[str] = []
    candidates: ChunkIndex = {}
    for chunk in chunks:
        rel, path, entry = chunk.file, chunk.path, chunk.entry
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(
                f"chunk {rel} listed in the manifest cannot be read ({exc.strerror})",
                where=str(path),
                hint="point --chunks at the emit folder the job's files came from, unchanged",
            ) from None
        sha = entry.get("sha256")
        if isinstance(sha, str) and hashlib.sha256(data).hexdigest() != sha:
            raise changed_chunk(path.parents[len(Path(rel).parts) - 1], chunk)
        users = load_json_file(data, path, "the chunk")
        if not isinstance(users, list):
            raise InputError("a chunk must be a JSON array of users", where=f"{path}:1")
        conn = chunk.connection
        upsert = entry.get("upsert") if type(entry.get("upsert")) is bool else None
        for pos, user in enumerate(users, 1):
            if type(user) is not dict:
                continue
            email = user.get("email")
            uid = user.get("user_id")
            e = email.strip().lower() if type(email) is str else None
            i = (uid[6:] if uid.startswith("auth0|") else uid) if type(uid) is str else None
            if e in emails or i in ids:
                hit = ChunkHit(rel, pos, conn, match.user_digest(user), upsert)
                if e in emails:
                    candidates.setdefault(e, []).append((user, hit))  # type: ignore[arg-type]
                if i in ids and i != e:
                    candidates.setdefault(i, []).append((user, hit))  # type: ignore[arg-type]
    return candidates, notes


def _match_chunks(works: list[Work], candidates: ChunkIndex) -> None:
    for w in works:
        found = _candidates_for(w.entry.user, candidates)
        best = match.best_match(w.entry.user, found)
        w.chunk, w.chunk_match, w.chunk_ties = best.item, best.how, best.ties
        if best.item is not None:  # the real values of what the answer shows as *****
            w.chunk_secrets = match.redacted_values(w.entry.user, next(u for u, hit in found if hit is best.item))
            # how often its email is in the import (the chunks of its connection): tells DUPLICATED_USER's cases apart
            e = match.email_key(w.entry.user)
            w.extra["in_import"] = sum(1 for _, hit in candidates.get(e, []) if hit.connection == best.item.connection) if e else None


def _wanted(works: list[Work]) -> tuple[set[str], set[str]]:
    emails: set[str] = set()
    ids: set[str] = set()
    for w in works:
        e, i = match.email_key(w.entry.user), match.id_key(w.entry.user)
        if e is not None:
            emails.add(e)
        if i is not None:
            ids.add(i)
    return emails, ids


def _candidates_for(user: dict[str, Any], index: dict[str, list[tuple[dict[str, Any], Any]]]) -> list[tuple[dict[str, Any], Any]]:
    out: list[tuple[dict[str, Any], Any]] = []
    seen: set[int] = set()
    for k in (match.email_key(user), match.id_key(user)):
        for cand in index.get(k, []) if k is not None else []:
            if id(cand[1]) not in seen:
                seen.add(id(cand[1]))
                out.append(cand)
    return out


# -- source -------------------------------------------------------------------------


SourceIndex = dict[str, list[tuple[dict[str, Any], SourceHit]]]


def _source_candidates(
    path: Path, emails: set[str], ids: set[str], column_map: dict[str, str] | None, progress: Callable[[int], None] | None
) -> SourceIndex:
    """The source records whose email or user_id is wanted, converted as emit converts them."""
    from bulkedit.importfile.convert import to_import_user

    source = open_source(path, column_map=column_map)
    index: SourceIndex = {}
    for rec in reporting(source.records(), source, progress):
        user = rec.user
        email = user.get("email")
        uid = user.get("user_id")
        e = email.strip().lower() if type(email) is str else None
        i = (uid[6:] if uid.startswith("auth0|") else uid) if type(uid) is str else None
        if e not in emails and i not in ids:
            continue
        conv = to_import_user(user)
        hit = SourceHit(source.where(rec.pos), rec.pos, conv.user, conv.connection, conv.importable, conv.reason)
        if e in emails:
            index.setdefault(e, []).append((conv.user, hit))  # type: ignore[arg-type]
        if i in ids and i != e:
            index.setdefault(i, []).append((conv.user, hit))  # type: ignore[arg-type]
    return index


def _match_source(works: list[Work], index: SourceIndex) -> None:
    for w in works:
        prefer = w.chunk.connection if w.chunk else None
        best = match.best_match(w.entry.user, _candidates_for(w.entry.user, index), prefer=prefer)
        w.source, w.source_match, w.source_ties = best.item, best.how, best.ties


def _scan(
    works: list[Work],
    chunks: list[Chunk] | None,
    source: Path | None,
    column_map: dict[str, str] | None,
    progress: Callable[[int], None] | None,
    notes: list[str],
    parallel: bool | None,
) -> None:
    """Find the failed users in the chunks and in the source.

    The two reads are independent and each is mostly JSON parsing, so with both
    given and a large source the chunks are read by a second process (the machine's
    other core) while this one reads the source; only the matching users come back.
    """
    emails, ids = _wanted(works)
    if parallel is None:
        parallel = source is not None and source.is_file() and source.stat().st_size >= PARALLEL_MIN_BYTES and (os.cpu_count() or 1) > 1
    if chunks is None or source is None or not parallel:  # one after the other, chunks first
        if chunks is not None:
            candidates, found_notes = _chunk_candidates(chunks, emails, ids)
            _match_chunks(works, candidates)
            notes.extend(found_notes)
        if source is not None:
            _match_source(works, _source_candidates(source, emails, ids, column_map, progress))
        return
    with ProcessPoolExecutor(max_workers=1) as pool:
        future = pool.submit(_chunk_candidates, chunks, emails, ids)
        try:
            # the chunk connection breaks ties between source records, so source matching
            # waits for the chunks; the source is read (the costly part) meanwhile
            index = _source_candidates(source, emails, ids, column_map, progress)
        except BaseException:
            future.cancel()
            raise
        candidates, found_notes = future.result()
    _match_chunks(works, candidates)
    notes.extend(found_notes)
    _match_source(works, index)


# -- the whole analysis ---------------------------------------------------------------


def check_retry_dir(
    retry_dir: Path, answers: list[Path], *, chunks: Path | None, source: Path | None, force: bool, map_file: Path | None = None
) -> None:
    """Refuse, before any file is read, a retry folder that cannot be written (see atomic.check_output_dir)."""
    if source is None:
        raise UsageError(
            "-o needs --source EDITED",
            hint="Auth0's answer hides secrets as *****, so retry users are rebuilt from the edited export",
        )
    check_output_dir(retry_dir, force=force, inputs=[*answers, chunks, source, map_file])


def explain(answer_paths: list[Path], **options: Any) -> ErrorsResult:
    """Read the saved answers and do every step `options` ask for (see explain_answers).

    A folder stands for the answers in it (`*.json`, `*.json.gz`, `*.ndjson`), in name order.
    """
    files: list[Path] = []
    for p in map(Path, answer_paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.name.endswith(ANSWER_SUFFIXES))
            if not found:
                raise InputError(f"{p} holds no saved answers (*.json, *.json.gz)", hint="name the answer files")
            files.extend(found)
        else:
            files.append(p)
    return explain_answers([read_answer(p) for p in files], **options)


def _refuse_backup_as_source(manifest: dict[str, Any], source: Path) -> None:
    """Refuse a --source that is the backup the chunks were checked against (the tenant's
    export before the edit): retry users rebuilt from it would undo the edit. Checked by
    sha256 when the file has the backup's name (a slip between two files side by side)."""
    backup = manifest.get("backup")
    if not isinstance(backup, dict) or not isinstance(backup.get("file"), str) or not isinstance(backup.get("sha256"), str):
        return
    if Path(backup["file"]).name != source.name or file_sha256(source) != backup["sha256"]:
        return
    emitted = manifest.get("source")
    name = emitted.get("file") if isinstance(emitted, dict) else None
    raise UsageError(
        f"--source {source} is the backup the chunks were checked against, not the edited export they were emitted from",
        hint=f"give --source the edited export{f' ({name})' if isinstance(name, str) else ''}; a retry rebuilt from the backup would undo the edit",
    )


def explain_answers(
    answers: list[JobAnswer],
    *,
    chunks: Path | None = None,
    source: Path | None = None,
    retry_dir: Path | None = None,
    force: bool = False,
    limit: int = ERRORS_SHOWN_PER_CODE,
    column_map: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
    parallel: bool | None = None,
    connection: str | None = None,
) -> ErrorsResult:
    """Explain the answers; with `chunks`, `source` and `retry_dir`, map the failed users and build retry chunks."""
    if retry_dir is not None:
        check_retry_dir(retry_dir, [Path(a.file) for a in answers], chunks=chunks, source=source, force=force)
    # every input is checked even when no user failed: a wrong path is an error, not an empty report
    manifest, listed = read_manifest(chunks, CHUNKS_HINT, verify=VERIFY_SIZE) if chunks is not None else (None, None)
    if source is not None:
        open_source(source, column_map=column_map)
        if manifest is not None:
            _refuse_backup_as_source(manifest, source)
    notes: list[str] = []
    works = [Work(e) for a in answers if a.kind == ERRORS for e in a.entries]
    if works:
        _scan(works, listed, source, column_map, progress, notes, parallel)
    retry = None
    if retry_dir is not None and source is not None:  # -o without --source was refused above
        retry = build_retry(works, retry_dir, answers=answers, source=source, force=force, connection=connection, chunks_dir=chunks)
    failures = tuple(_freeze(w) for w in works)
    _mapping_notes(failures, chunks, source, notes)
    return ErrorsResult(
        answers=tuple(
            AnswerFile(a.file, a.kind, len(a.entries), a.describe(), a.status) for a in answers
        ),
        failures=failures,
        codes=tuple(_by_code(failures, limit)),
        by_chunk=_count(
            (f.chunk.file if f.chunk else "(not found in a chunk)") for f in failures
        ) if chunks is not None else {},
        by_path=_count(e.path or "(no path)" for f in failures for e in f.errors),
        chunks_dir=str(chunks) if chunks is not None else None,
        source=str(source) if source is not None else None,
        notes=tuple(notes),
        retry=retry,
    )


def _private(w: Work) -> tuple[ErrorItem, ...]:
    """The entry's errors with no secret in their messages: Auth0's message may quote a hash, a salt or a
    token, of the answer's user (when the answer was not redacted) or of the user it received (the chunk's,
    the source's)."""
    secrets = privacy.secret_values(w.entry.user)
    if w.source is not None:
        secrets |= privacy.secret_values(w.source.user)
    for value in w.chunk_secrets or ():
        secrets |= privacy.secret_values(value, privacy.SECRET_PATH)
    return tuple(ErrorItem(e.code, privacy.scrub(e.message, secrets), e.path) for e in w.entry.errors)


def _freeze(w: Work) -> Failure:
    u = w.entry.user
    email = u.get("email") if isinstance(u.get("email"), str) else None
    uid = u.get("user_id") if isinstance(u.get("user_id"), str) else None
    return Failure(
        answer=w.entry.where,
        index=w.entry.index,
        email=email,
        user_id=uid,
        errors=_private(w),
        chunk=w.chunk,
        chunk_match=w.chunk_match,
        chunk_ties=w.chunk_ties,
        source=w.source.where if w.source else None,
        source_match=w.source_match,
        source_ties=w.source_ties,
        decision=w.decision,
        reason=w.reason,
    )


def _count(keys: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for k in keys:
        out[k] = out.get(k, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def _by_code(failures: tuple[Failure, ...], limit: int) -> list[CodeSummary]:
    users: dict[str, list[Failure]] = {}
    errors: dict[str, int] = {}
    for f in failures:
        for code in f.codes:
            users.setdefault(code, []).append(f)
        for e in f.errors:
            errors[e.code] = errors.get(e.code, 0) + 1
    from bulkedit.joberrors.lintmap import lint_codes_for

    out = []
    for code, fs in sorted(users.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        ci = codemod.info(code)
        out.append(
            CodeSummary(code, len(fs), errors[code], ci.to_dict(lint_codes_for(ci)), tuple(fs[:limit]), max(len(fs) - limit, 0))
        )
    return out


def _mapping_notes(failures: tuple[Failure, ...], chunks: Path | None, source: Path | None, notes: list[str]) -> None:
    checks = (
        (chunks, "chunk", f"not found in any chunk of {chunks}: was it the folder the job's files came from?"),
        (source, "source", f"not found in the source {source}"),
    )
    for given, kind, not_found in checks:
        if given is None:
            continue
        missing = sum(1 for f in failures if getattr(f, kind) is None)
        if missing:
            notes.append(f"{missing:,} failed user(s) {not_found}")
        ambiguous = sum(1 for f in failures if getattr(f, f"{kind}_ties"))
        if ambiguous:
            what = "chunk user" if kind == "chunk" else "source record"
            notes.append(f"{ambiguous:,} failed user(s) match more than one {what} equally well; the first is shown")
