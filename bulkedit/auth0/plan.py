"""What push will do and what it did: the plan shown before sending, each job's outcome, progress."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PlannedChunk:
    file: str
    path: Path
    connection: str
    connection_id: str
    users: int
    bytes: int
    upsert: bool
    external_id: str


@dataclass(frozen=True)
class PushPlan:
    """What push will do; shown before anything is sent."""

    folder: Path
    domain: str
    manifest_sha256: str
    connections: dict[str, str]  # name -> con_ id
    chunks: tuple[PlannedChunk, ...]
    done: tuple[str, ...]  # accepted by an earlier run
    running: tuple[str, ...]  # accepted earlier, still to be waited for
    in_doubt: tuple[str, ...]  # sent earlier with no answer
    completion_email: bool = False  # the manifest's job.send_completion_email

    @property
    def to_send(self) -> list[PlannedChunk]:
        return [c for c in self.chunks if c.file not in self.done and c.file not in self.running]

    def to_dict(self) -> dict[str, Any]:
        send = self.to_send
        return {
            "folder": str(self.folder),
            "domain": self.domain,
            "connections": dict(self.connections),
            "chunks": len(self.chunks),
            "users": sum(c.users for c in self.chunks),
            "to_send": len(send),
            "users_to_send": sum(c.users for c in send),
            "upsert": {"on": sum(1 for c in send if c.upsert), "off": sum(1 for c in send if not c.upsert)},
            "already_accepted": len(self.done) + len(self.running),
            "running": list(self.running),
            "in_doubt": [{"chunk": f, "upsert": self._chunk(f).upsert} for f in self.in_doubt],
            "completion_email": self.completion_email,
        }

    def _chunk(self, file: str) -> PlannedChunk:
        return next(c for c in self.chunks if c.file == file)


@dataclass(frozen=True)
class JobOutcome:
    chunk: str
    job_id: str | None
    status: str  # completed, failed, expired, rejected (never became a job), in_doubt, skipped
    users: int
    summary: dict[str, int] | None = None
    details: str | None = None
    errors_file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"chunk": self.chunk, "job_id": self.job_id, "status": self.status, "users": self.users,
                "summary": self.summary, "status_details": self.details, "errors_file": self.errors_file}


@dataclass(frozen=True)
class PushResult:
    plan: dict[str, Any]
    jobs: tuple[JobOutcome, ...]
    sent_this_run: int
    resent_in_doubt: tuple[str, ...]
    errors: dict[str, Any] | None  # ErrorsResult.to_dict() of the fetched answers
    retry_dir: str | None
    dry_run: bool = False

    @property
    def totals(self) -> dict[str, int]:
        t = {"inserted": 0, "updated": 0, "failed": 0, "total": 0}
        for j in self.jobs:
            for k in t:
                t[k] += int((j.summary or {}).get(k, 0))
        return t

    @property
    def ok(self) -> bool:
        # a chunk skipped on a person's word (`--in-doubt skip`: its users are in the tenant) counts as imported
        return not self.dry_run and all(
            j.status == "skipped" or (j.status == "completed" and not (j.summary or {}).get("failed")) for j in self.jobs
        )

    def to_dict(self) -> dict[str, Any]:
        by: dict[str, int] = {}
        for j in self.jobs:
            by[j.status] = by.get(j.status, 0) + 1
        return {
            "plan": self.plan,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "sent_this_run": self.sent_this_run,
            "resent_in_doubt": list(self.resent_in_doubt),
            "users": self.totals,
            "chunks_by_status": by,
            "jobs": [j.to_dict() for j in self.jobs],
            "errors": self.errors,
            "retry_dir": self.retry_dir,
        }


@dataclass
class Progress:
    """What a progress bar shows."""

    total: int
    done: int = 0
    in_flight: int = 0
    inserted: int = 0
    updated: int = 0
    failed: int = 0
    waiting: str | None = None
