"""Push's run loop: up to two import jobs in flight, each polled near its learnt end, every step journaled."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulkedit.auth0.client import Api, ApiError, Busy, InDoubt, Unreachable
from bulkedit.auth0.jobs import FINAL
from bulkedit.auth0.journal import ChunkState, Journal, needs_errors
from bulkedit.auth0.plan import PlannedChunk, Progress, PushPlan
from bulkedit.io import jsonio
from bulkedit.io.atomic import atomic_file
from bulkedit.privacy import text_safe

#: shortest pause between two polls of a job (around its predicted end), and the longest
POLL_MIN, POLL_MAX = 0.02, 5.0
#: how long push keeps trying to start a job that Auth0 refuses with 429 (both slots taken by other
#: jobs, or the rate limit): a job runs at most two hours, so past this the slots are not coming back
BUSY_LIMIT = 2.5 * 3600


@dataclass
class _Running:
    chunk: PlannedChunk
    job_id: str
    started: float
    next_poll: float
    last_running_seen: float = 0.0
    polls: int = 0


@dataclass
class Scheduler:
    api: Api
    plan: PushPlan
    journal: Journal
    errors_dir: Path
    max_jobs: int
    completion_email: bool
    in_doubt: Callable[[list[PlannedChunk]], bool | None]
    progress: Callable[[Progress], None] | None
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    running: dict[str, _Running] = field(default_factory=dict)
    #: learnt seconds per byte of a job (the longest time a job was still seen running)
    per_byte: float | None = None
    busy_until: float = 0.0
    busy_backoff: float = 0.5
    busy_since: float | None = None
    busy_limit: float = BUSY_LIMIT
    sent: int = 0
    resent: list[str] = field(default_factory=list)
    prog: Progress = field(default_factory=lambda: Progress(0))

    # -- the steps --
    def submit(self, c: PlannedChunk) -> str:
        """Send one chunk; returns "accepted", "busy", "doubt" or "rejected"."""
        data = c.path.read_bytes()
        self.journal.append({"op": "send", "chunk": c.file, "at": time.time()})
        try:
            job = self.api.import_users(data, Path(c.file).name, connection_id=c.connection_id, upsert=c.upsert,
                                        external_id=c.external_id, completion_email=self.completion_email)
        except Busy as exc:
            self.journal.append({"op": "not_sent", "chunk": c.file, "why": "429"})
            now = self.clock()
            if self.busy_since is None:
                self.busy_since = now
            elif now - self.busy_since > self.busy_limit:
                raise Unreachable(
                    f"Auth0 refused every new import job with 429 for {_duration(now - self.busy_since)} ({text_safe(str(exc))})",
                    hint="other import or export jobs hold the tenant's two job slots, or other programs use up its rate limit; "
                    "once they are done, run the same command again: push resumes where it stopped",
                ) from None
            wait = exc.wait if exc.wait is not None else self.busy_backoff
            self.busy_backoff = min(self.busy_backoff * 2, 30.0)
            self.busy_until = now + max(wait, 0.05)
            self.prog.waiting = "Auth0 busy (429)"
            return "busy"
        except InDoubt as exc:
            self.journal.append({"op": "in_doubt", "chunk": c.file, "why": str(exc)})
            return "doubt"
        except ApiError as exc:
            self.journal.append({"op": "rejected", "chunk": c.file, "status": exc.status, "message": exc.auth0_message})
            return "rejected"
        self.busy_backoff = 0.5
        self.busy_since = None
        self.prog.waiting = None
        self.journal.append({"op": "accepted", "chunk": c.file, "job": job["id"]})
        self.sent += 1
        self._track(c, str(job["id"]), self.clock())
        return "accepted"

    def _expect(self, c: PlannedChunk) -> float | None:
        """How long `c`'s job should take, learnt from the jobs before it (None: none ended yet)."""
        return self.per_byte * c.bytes if self.per_byte is not None else None

    @staticmethod
    def _near(expect: float) -> float:
        """The pause between polls around a job's expected end: 1% of its length, 0.02 s at least.
        A few polls a job, however long it is, and a slot is refilled within that of the job's end."""
        return max(expect * 0.01, POLL_MIN)

    def _track(self, c: PlannedChunk, job_id: str, started: float) -> None:
        expect = self._expect(c)
        # first poll: just before the end earlier jobs predict (at once, if they ended at once)
        first = max(expect - self._near(expect), 0.0) if expect is not None else 0.25
        self.running[job_id] = _Running(c, job_id, started, started + min(first, POLL_MAX * 4))

    def poll(self, r: _Running) -> bool:
        """Poll a job once; True when it ended (and its end is journaled)."""
        try:
            job = self.api.job(r.job_id)
        except ApiError as exc:
            if exc.status != 404:
                raise
            # Auth0 keeps a job's data about a day: a job accepted by a run stopped longer ago is gone
            job = {"status": "expired", "status_details": f"Auth0 no longer knows job {r.job_id} (it keeps a job about 24 hours): "
                   "its outcome is unknown; check the chunk's users in the tenant"}
        now = self.clock()
        r.polls += 1
        status = job.get("status")
        elapsed = now - r.started
        if status not in FINAL:
            r.last_running_seen = elapsed
            expect = self._expect(r.chunk)
            left = job.get("time_left_seconds")
            if expect is not None and elapsed < expect * 1.5:
                # before the predicted end: sleep until just before it; past it: short pauses that grow
                # by half (a prediction a little short costs a few polls, not a poll every 20 ms)
                near, due = self._near(expect), expect - self._near(expect)
                gap = due - elapsed if elapsed < due else max(near, (elapsed - due) * 0.5)
            elif isinstance(left, int | float) and not isinstance(left, bool) and left >= 1:
                gap = float(left)  # no prediction (or a slow job): Auth0's own estimate of the time left
            elif isinstance(left, int | float) and not isinstance(left, bool) and left >= 0:
                gap = max(elapsed * 0.1, 0.1)  # Auth0 says less than a second is left
            else:  # no estimate at all: back off
                gap = max(elapsed * 0.25, 0.25)
            if isinstance(left, int | float) and not isinstance(left, bool) and left >= 1:
                gap = min(gap, float(left))
            r.next_poll = now + min(max(gap, POLL_MIN), POLL_MAX)
            return False
        if r.chunk.bytes and status == "completed":
            # it ended between the last poll that saw it running and this one: learn the middle; a job
            # already done at its first poll only says the prediction was not short (drift a little earlier)
            expect = self._expect(r.chunk)
            if r.last_running_seen == 0 and expect is not None:
                ended = min(expect, elapsed) * 0.95
            else:
                ended = (r.last_running_seen + elapsed) / 2
            seen = ended / r.chunk.bytes
            self.per_byte = seen if self.per_byte is None else 0.5 * self.per_byte + 0.5 * seen
        summary = job.get("summary") if isinstance(job.get("summary"), dict) else None
        self.journal.append({"op": "done", "chunk": r.chunk.file, "job": r.job_id, "status": status, "summary": summary,
                             "details": job.get("status_details")})
        del self.running[r.job_id]
        self._count(summary)
        self.fetch_errors(r.chunk, r.job_id)
        return True

    def fetch_errors(self, c: PlannedChunk, job_id: str) -> None:
        st = self.journal.state(c.file)
        if not needs_errors(st) or st.errors_done:
            return
        raw = None
        for attempt in range(5):
            try:
                raw = self.api.job_errors(job_id)
            except ApiError as exc:
                if exc.status != 404:
                    raise
                raw = None  # the job's data is gone (kept about 24 hours): its errors cannot be fetched any more
                break
            if raw is None:
                break
            doc = jsonio.loads(raw)
            if isinstance(doc, list):
                break
            self.sleep(0.2 * (attempt + 1))  # a status object: the errors are not ready yet
        name = None
        if raw is not None:
            self.errors_dir.mkdir(parents=True, exist_ok=True)
            name = f"{Path(c.file).with_suffix('').as_posix().replace('/', '__')}.{job_id}.json"
            with atomic_file(self.errors_dir / name) as af:
                af.private = True  # Auth0 redacts hashes, but the users' data is in it
                af.path.write_bytes(raw)
        self.journal.append({"op": "errors", "chunk": c.file, "job": job_id, "file": name})

    def _count(self, summary: dict[str, Any] | None) -> None:
        self.prog.done += 1
        for k in ("inserted", "updated", "failed"):
            setattr(self.prog, k, getattr(self.prog, k) + int((summary or {}).get(k, 0)))

    def _tick(self) -> None:
        self.prog.in_flight = len(self.running)
        if self.progress is not None:
            self.progress(self.prog)

    def _decide(self, chunks: list[PlannedChunk]) -> list[PlannedChunk]:
        """In-doubt chunks imported without upsert: the caller says resend (True), skip (False) or hold (None).

        Skipped ones are journaled as such; held ones stay in doubt for the next run to ask again."""
        answer = self.in_doubt(chunks)
        if answer is True:
            return chunks
        for c in chunks:
            if answer is False:
                self.journal.append({"op": "skipped", "chunk": c.file, "message": "in doubt: not sent again (upsert off)"})
            self.prog.done += 1
        return []

    # -- the loop --
    def run(self) -> None:
        plan, j = self.plan, self.journal
        self.prog = Progress(len(plan.chunks))
        queue: deque[PlannedChunk] = deque()
        held: list[PlannedChunk] = []
        for c in plan.chunks:
            st = j.chunks.get(c.file) or ChunkState()
            if st.outcome == "accepted":
                if st.status is None:
                    self._track(c, str(st.job_id), self.clock())
                else:
                    self._count(st.summary)
                    self.fetch_errors(c, str(st.job_id))
            elif st.outcome == "skipped":
                self.prog.done += 1
            elif st.in_doubt:
                held.append(c)
            else:
                queue.append(c)
        resend = [c for c in held if c.upsert]
        ask = [c for c in held if not c.upsert]
        if ask:
            resend += self._decide(ask)
        self.resent.extend(c.file for c in resend)
        queue.extendleft(reversed(resend))
        self._tick()
        while queue or self.running:
            now = self.clock()
            while queue and len(self.running) < self.max_jobs and now >= self.busy_until:
                c = queue[0]
                outcome = self.submit(c)
                if outcome == "busy":
                    break
                queue.popleft()
                if outcome == "doubt":
                    if c.upsert or self._decide([c]):
                        self.resent.append(c.file)
                        queue.appendleft(c)
                        self.busy_until = self.clock() + 1.0  # a broken connection or a 5xx: give Auth0 a moment
                        break
                elif outcome == "rejected":
                    self.prog.done += 1
                self._tick()
                now = self.clock()
            for r in sorted(self.running.values(), key=lambda r: r.next_poll):
                if r.next_poll <= self.clock() and self.poll(r):
                    self._tick()
                    break  # a slot is free: submit before polling the others
            if not self.running and not queue:
                break
            wake = [r.next_poll for r in self.running.values()]
            if queue and len(self.running) < self.max_jobs:
                wake.append(self.busy_until)
            delay = min(wake) - self.clock() if wake else 0.0
            if delay > 0:
                self._tick()
                self.sleep(min(delay, POLL_MAX))


def _duration(seconds: float) -> str:
    m = int(seconds // 60)
    return f"{m // 60}h{m % 60:02d}m" if m >= 60 else (f"{m}m" if m else f"{seconds:.0f}s")
