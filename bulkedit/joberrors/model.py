"""The results of `errors`: where each failed user was found, what happens to it, and the summaries.

Frozen values with `to_dict()` for the reporters, and `Work`, the mutable state of one
failure while analyse maps it and retry decides for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bulkedit.joberrors import match
from bulkedit.joberrors.answer import ErrorItem, FailedEntry


@dataclass(frozen=True)
class ChunkHit:
    """A user found in an emit chunk."""

    file: str  # as the manifest names it
    position: int  # 1-based place in the chunk's array
    connection: str | None
    digest: str = ""  # of the user exactly as the chunk holds it (see match.user_digest)
    #: the manifest's `upsert` for the chunk's job (None: it does not say)
    upsert: bool | None = None

    @property
    def where(self) -> str:
        return f"{self.file}#{self.position}"


@dataclass(frozen=True)
class SourceHit:
    """A record of the edited export, converted as emit would convert it."""

    where: str  # file:line or file:row
    pos: int
    user: dict[str, Any]  # import-shaped
    connection: str | None
    importable: bool
    reason: str | None


@dataclass(frozen=True)
class Failure:
    """One failed user of one answer, with where it came from and what happens to it."""

    answer: str  # file:line of the entry in the saved answer
    index: int
    email: str | None
    user_id: str | None
    errors: tuple[ErrorItem, ...]
    chunk: ChunkHit | None = None
    chunk_match: str = match.NONE
    chunk_ties: int = 0
    source: str | None = None
    source_match: str = match.NONE
    source_ties: int = 0
    decision: str | None = None  # RETRY / RETRY_UPSERT / LISTED; None when no retry folder was asked for
    reason: str | None = None

    @property
    def codes(self) -> list[str]:
        return list(dict.fromkeys(e.code for e in self.errors))

    def to_dict(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "entry": self.index + 1,
            "email": self.email,
            "user_id": self.user_id,
            "errors": [e.to_dict() for e in self.errors],
            "chunk": self.chunk.where if self.chunk else None,
            "connection": self.chunk.connection if self.chunk else None,
            "chunk_match": self.chunk_match,
            "chunk_ambiguous": self.chunk_ties,
            "source": self.source,
            "source_match": self.source_match,
            "source_ambiguous": self.source_ties,
            "retry": self.decision,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class AnswerFile:
    file: str
    kind: str
    failed: int
    description: str
    status: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "failed_users": self.failed,
            "description": self.description,
            "status": self.status,
        }


@dataclass(frozen=True)
class CodeSummary:
    code: str
    users: int
    errors: int
    info: dict[str, Any]
    first: tuple[Failure, ...]
    more: int

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.info,
            "users": self.users,
            "errors": self.errors,
            "first_users": [
                {"email": f.email, "user_id": f.user_id, "answer": f.answer, "entry": f.index + 1, "chunk": f.chunk.where if f.chunk else None,
                 "source": f.source, "messages": [e.message for e in f.errors if e.code == self.code],
                 "paths": [e.path for e in f.errors if e.code == self.code]}
                for f in self.first
            ],
            "more_users": self.more,
        }


@dataclass(frozen=True)
class RetryOutcome:
    folder: str
    chunks: tuple[dict[str, Any], ...]
    left_out: tuple[dict[str, Any], ...]
    retried: int
    upsert: int
    listed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "chunks": list(self.chunks),
            "left_out": list(self.left_out),
            "retried_users": self.retried,
            "upsert_users": self.upsert,
            "listed_users": self.listed,
        }


@dataclass(frozen=True)
class ErrorsResult:
    answers: tuple[AnswerFile, ...]
    failures: tuple[Failure, ...]
    codes: tuple[CodeSummary, ...]
    by_chunk: dict[str, int]
    by_path: dict[str, int]
    chunks_dir: str | None
    source: str | None
    notes: tuple[str, ...]
    retry: RetryOutcome | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "answers": [a.to_dict() for a in self.answers],
            "failed_users": len(self.failures),
            "chunks": self.chunks_dir,
            "source": self.source,
            "by_code": [c.to_dict() for c in self.codes],
            "by_chunk": dict(self.by_chunk),
            "by_path": dict(self.by_path),
            "failures": [f.to_dict() for f in self.failures],
            "notes": list(self.notes),
            "retry": self.retry.to_dict() if self.retry else None,
        }


@dataclass
class Work:
    """Mutable per-failure state while mapping; frozen into a Failure at the end."""

    entry: FailedEntry
    chunk: ChunkHit | None = None
    chunk_match: str = match.NONE
    chunk_ties: int = 0
    chunk_secrets: list[Any] | None = None  # the chunk's values where the answer shows *****
    source: SourceHit | None = None
    source_match: str = match.NONE
    source_ties: int = 0
    decision: str | None = None
    reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
