"""`push`: send an emit folder's chunks to Auth0 as import jobs, exactly once, two at a time.

1. `prepare`: the manifest is read, every chunk checked against its sha256 and linted,
   each connection name resolved to its con_ id (a database connection, the one named),
   and the journal of an earlier run read back (what was accepted, what is in doubt).
2. The caller shows the plan and asks; `run` then keeps up to `max_jobs` jobs in flight:
   it submits a chunk as soon as a slot is free, polls each job when it is due to end
   (learnt from the jobs before it) and then at short intervals, fetches the errors of a
   job with failed users at once, and writes each step to the journal before going on.

Exactly-once: a chunk is sent only when the journal shows it was never accepted. A send
whose answer was lost (the connection broke, a 5xx, the process died) is "in doubt": it
is sent again only when the chunk is imported with upsert (re-importing the same users
with upsert changes nothing); otherwise the caller's `in_doubt` policy decides.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from bulkedit.auth0.client import Api
from bulkedit.auth0.journal import ChunkState, open_journal, tenant_folder
from bulkedit.auth0.plan import JobOutcome, PlannedChunk, Progress, PushPlan, PushResult
from bulkedit.auth0.prepare import check_begun
from bulkedit.auth0.schedule import BUSY_LIMIT, Scheduler
from bulkedit.errors import UsageError

#: Auth0 runs at most this many import jobs of a tenant at once
MAX_JOBS = 2


def push(
    api: Api,
    plan: PushPlan,
    *,
    max_jobs: int = MAX_JOBS,
    completion_email: bool = False,
    in_doubt: Callable[[list[PlannedChunk]], bool | None] = lambda chunks: None,
    progress: Callable[[Progress], None] | None = None,
    retry_dir: Path | None = None,
    source: Path | None = None,
    force: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    busy_limit: float = BUSY_LIMIT,
) -> PushResult:
    """Send what `plan` says is left (see the module docstring) and explain the failed users."""
    if max_jobs not in (1, 2):
        raise UsageError(f"--max-jobs {max_jobs}: Auth0 runs at most 2 import jobs at once", hint="use 1 or 2")
    state_dir = tenant_folder(plan.folder, plan.domain)
    errors_dir = state_dir / "errors"
    with open_journal(state_dir) as j:
        check_begun(j, plan.manifest_sha256, plan.folder)
        if j.begun is None:
            j.append({"op": "begin", "manifest_sha256": plan.manifest_sha256, "domain": plan.domain, "at": time.time()})
        s = Scheduler(api, plan, j, errors_dir, max_jobs, completion_email or plan.completion_email, in_doubt, progress, sleep, clock,
                       busy_limit=busy_limit)
        s.run()
        outcomes = tuple(_outcome(c, j.state(c.file)) for c in plan.chunks)
    answers = [errors_dir / o.errors_file for o in outcomes if o.errors_file]
    explained = None
    if answers:
        from bulkedit.joberrors.analyse import explain

        explained = explain(answers, chunks=plan.folder, source=source, retry_dir=retry_dir, force=force).to_dict()
    return PushResult(plan.to_dict(), outcomes, s.sent, tuple(s.resent), explained, str(retry_dir) if retry_dir and answers else None)


def _outcome(c: PlannedChunk, st: ChunkState) -> JobOutcome:
    if st.outcome == "accepted":
        return JobOutcome(c.file, st.job_id, st.status or "running", c.users, st.summary, st.details, st.errors_file)
    if st.outcome == "rejected":
        return JobOutcome(c.file, None, "rejected", c.users, details=st.message)
    if st.outcome == "skipped":
        return JobOutcome(c.file, None, "skipped", c.users, details=st.message)
    if st.in_doubt:
        return JobOutcome(c.file, None, "in_doubt", c.users, details="sent, but no answer came back: it may or may not have reached Auth0")
    return JobOutcome(c.file, None, "not_sent", c.users)


def dry_run(plan: PushPlan) -> PushResult:
    return PushResult(plan.to_dict(), (), 0, (), None, None, dry_run=True)
