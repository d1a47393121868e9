"""Retry chunks: only the failed users that a retry can help, rebuilt from the source.

Auth0's answer redacts secrets (`*****`), so the retry users always come from
the edited export, converted with emit's `to_import_user`, checked with lint and
packed with emit's packer into a folder laid out like an emit folder
(`<connection>/chunk-0001.json`, `manifest.json`). Users that already exist in
the tenant go to `upsert/<connection>/...`: those files must be imported with
`upsert: true`. Every failed user that is not retried is listed in the manifest
with the reason (`left_out`, emit's name for users it did not write).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bulkedit import __version__, privacy
from bulkedit.io import jsonio
from bulkedit.io.atomic import atomic_dir, atomic_file
from bulkedit.io.read import file_sha256
from bulkedit.joberrors import codes as codemod
from bulkedit.joberrors import match
from bulkedit.joberrors.model import RetryOutcome

if TYPE_CHECKING:
    from bulkedit.joberrors.answer import JobAnswer
    from bulkedit.joberrors.model import Work

MANIFEST_KIND = "retry"

#: What happens to a failed user: retried, retried in an upsert job, or only listed.
RETRY = "retry"
RETRY_UPSERT = "retry-upsert"
LISTED = "listed"


def decide(w: Work) -> tuple[str, str | None]:
    """RETRY / RETRY_UPSERT / LISTED for one mapped failure, with the reason when listed."""

    src = w.source
    if src is None:
        return LISTED, "not found in the source: cannot rebuild it (Auth0's copy has its secrets redacted)"
    if not src.importable:
        return LISTED, src.reason or "cannot be imported into a database connection"
    upsert = False
    # unchanged: the record is still what the chunk held, or what Auth0 echoed (secrets redacted)
    unchanged = match.unchanged_since(w.entry.user, src.user)
    if unchanged and w.chunk_secrets is not None:
        # a redacted secret matches anything in the answer; the chunk holds what Auth0 received
        unchanged = match.redacted_values(w.entry.user, src.user) == w.chunk_secrets
    if not unchanged and w.chunk is not None and w.chunk.digest:
        unchanged = match.user_digest(src.user) == w.chunk.digest
    for err in w.entry.errors:
        ci = codemod.info(err.code)
        if ci.policy == codemod.UNKNOWN:
            return LISTED, f"unknown code {err.code} ({err.message or 'no message'}): read Auth0's message, fix, retry by hand"
        if ci.policy == codemod.NEVER:
            return LISTED, f"{err.code}: {ci.action}"
        if err.code == "DUPLICATED_USER":
            listed = _duplicated_user(w, err.message)
            if listed is not None:
                return LISTED, listed
        if ci.policy == codemod.FIX_FIRST and unchanged:
            unchanged_text = "unchanged in the source since the failed import"
            if w.chunk_secrets is None and match.redacted_values(w.entry.user, src.user):
                unchanged_text = ("unchanged in the source as far as Auth0's answer shows (it hides secrets as *****: "
                                  "give the emit folder with --chunks to see a fix to one)")
            return LISTED, f"{err.code} at {err.path or '(no path)'}: {unchanged_text}; {ci.action}"
        if ci.policy == codemod.EXISTS or err.code in codemod.MAY_EXIST:
            upsert = True
    if upsert and "password_hash" in src.user:
        return LISTED, (
            "the user already exists and an import cannot change its password_hash (upsert ignores it); "
            "remove password_hash from this record to update its other fields, or set the password through the "
            "Management API"
        )
    return (RETRY_UPSERT if upsert else RETRY), None


def _duplicated_user(w: Work, message: str) -> str | None:
    """Why a DUPLICATED_USER cannot be retried, or None when a retry with upsert can succeed.

    The chunks tell the cases apart: the email twice in the import (one copy was taken);
    once, in a job without upsert (the user already exists: an upsert retry updates it);
    once, in a job with upsert (Auth0's documented case of a user an earlier automatic
    migration left in the connection's internal store: upsert does not help).
    """
    copies = w.extra.get("in_import")
    upsert = w.chunk.upsert if w.chunk is not None else None
    if copies is not None and copies > 1:
        return (f"DUPLICATED_USER: this email is {copies} times in the import (the chunks of connection "
                f"{w.chunk.connection if w.chunk else '?'}) and Auth0 took one copy; keep one record per email")
    if copies is None and codemod.is_duplicate_in_file(message):
        return ("DUPLICATED_USER: Auth0 says this email was already provided in the job's file; keep one record per "
                "email (give the emit folder with --chunks to check the import)")
    if copies is not None and upsert is True:
        return ("DUPLICATED_USER for a user once in the import, in a job with upsert: Auth0's documented case of a "
                "user left in the connection's internal store by an earlier automatic migration (custom database "
                "import mode); upsert does not help. Delete that connection user (DELETE "
                "/api/v2/connections/{id}/users?email=...) and import the user again")
    return None  # already in the tenant, and the job did not upsert (or it is not known): retried with upsert


def build_retry(
    works: list[Work],
    folder: Path,
    *,
    answers: list[JobAnswer],
    source: Path,
    force: bool,
    connection: str | None = None,
    chunks_dir: Path | None = None,
) -> RetryOutcome:
    """Decide for every failure, write the retry folder atomically and return what it holds."""
    from bulkedit.emit.pack import DEFAULT_MAX_BYTES, ChunkWriter
    from bulkedit.joberrors.lintmap import lint_errors

    taken: set[int] = set()
    candidates: list[Work] = []
    for w in works:
        w.decision, w.reason = decide(w)
        if w.decision == LISTED or w.source is None:
            continue
        if w.source.pos in taken:  # the same record failed in two answers: retry it once
            w.decision, w.reason = LISTED, "already in the retry chunks (it failed in more than one answer)"
            continue
        conn = (w.chunk.connection if w.chunk else None) or w.source.connection or connection
        if conn is None:
            w.decision, w.reason = LISTED, (
                "no connection known for this user: pass --chunks (the emit folder) or --connection NAME"
            )
            continue
        taken.add(w.source.pos)
        w.extra["connection"] = conn
        candidates.append(w)
    found = lint_errors([(w.source.pos, w.source.user, w.extra["connection"]) for w in candidates if w.source], str(source))
    for w in candidates:
        if w.source is not None and w.source.pos in found:
            w.decision, w.reason = LISTED, "lint finds errors in the rebuilt user: " + "; ".join(found[w.source.pos])

    listed = [w for w in works if w.decision == LISTED]
    with atomic_dir(folder, force=force, inputs=[*(a.file for a in answers), source, chunks_dir]) as tmp:
        plain = ChunkWriter(tmp, DEFAULT_MAX_BYTES)
        upsert = ChunkWriter(tmp, DEFAULT_MAX_BYTES, prefix="upsert/")
        for w in works:
            if w.decision == LISTED or w.source is None:
                continue
            user = w.source.user
            writer = upsert if w.decision == RETRY_UPSERT else plain
            writer.add(w.extra["connection"], jsonio.dumps(user), private=privacy.holds_secret(user), where=w.source.where)
        chunks = [dict(c.to_dict(), upsert=False) for c in plain.close()]
        chunks += [dict(c.to_dict(), upsert=True) for c in upsert.close()]
        infos = plain.chunks + upsert.chunks
        manifest: dict[str, Any] = {
            "bulkedit_version": __version__,
            "kind": MANIFEST_KIND,
            "source": {"file": str(source), "sha256": file_sha256(source)},
            "answers": [a.file for a in answers],
            "chunks": chunks,
            "users": sum(c["users"] for c in chunks),
            # emit's name for the users it did not write; here: every failed user not retried
            "left_out": [
                {
                    "user_id": w.entry.user.get("user_id"),
                    "email": w.entry.user.get("email"),
                    "reason": w.reason,
                    "pos": w.source.pos if w.source else None,
                    "source": w.source.where if w.source else None,
                    "codes": list(dict.fromkeys(e.code for e in w.entry.errors)),
                    "answer": w.entry.where,
                }
                for w in listed
            ],
            "private_files": [c.file for c in infos if c.private],
        }
        with atomic_file(tmp / "manifest.json") as af:
            Path(af.path).write_bytes(jsonio.dumps_pretty(manifest) + b"\n")
    retried = sum(1 for w in works if w.decision != LISTED)
    return RetryOutcome(
        folder=str(folder),
        chunks=tuple(chunks),
        left_out=tuple(manifest["left_out"]),
        retried=retried,
        upsert=sum(1 for w in works if w.decision == RETRY_UPSERT),
        listed=len(listed),
    )
