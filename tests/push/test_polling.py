"""How push waits: both job slots kept busy, polls aimed at a job's end (not a fixed fast loop),
rate-limit headers followed, and 429s that never stop end in a clear exit 2 that resumes.

The assertions read the order of the fake's own records (which call came after which), never
durations: they hold on a loaded machine. The measured occupancy is printed (run with -s);
`BULKEDIT_PUSH_OCCUPANCY=1` also runs the issue's figure (2 s jobs, both slots busy >= 95%),
a timing measurement meant for a quiet machine, not for `make test`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bulkedit.auth0 import client
from tests.push.chunks_helper import make_chunks
from tests.push.conftest import run
from tests.push.fake_auth0 import FINAL_STATUSES, FakeAuth0


def _refilled_at_once(fake: FakeAuth0) -> list[str]:
    """Imports (after the first two) not sent straight after the poll that saw a slot free."""
    late = []
    events = [e for e in fake.events if e[1] in ("import", "poll", "errors")]
    for i, (_, kind, job, _) in enumerate(events):
        if kind != "import" or fake.imports[0].id == job or fake.imports[1].id == job:
            continue
        _, prev_kind, _, prev_status = events[i - 1]
        if not (prev_kind in ("poll", "errors") and prev_status in FINAL_STATUSES):
            late.append(job)
    return late


def _polls_while_running(fake: FakeAuth0) -> dict[str, int]:
    counts = {j.id: 0 for j in fake.imports}
    for _, kind, job, status in fake.events:
        if kind == "poll" and status not in FINAL_STATUSES:
            counts[job] += 1
    return counts


def occupancy_run(fake: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str], chunks: int, seconds: float) -> float:
    fake.job_seconds = seconds
    folder = make_chunks(tmp_path / "out", chunks)
    rc, _, err = run(capsys, "push", str(folder), "--yes")
    assert rc == 0, err
    assert _refilled_at_once(fake) == []
    assert fake.max_in_flight() <= 2 and fake.violations == []
    occupancy = fake.occupancy()
    with capsys.disabled():
        print(f"\noccupancy: both slots busy {occupancy:.1%} of the run ({chunks} chunks, jobs of {seconds} s)")
    return occupancy


def test_a_slot_is_refilled_as_soon_as_a_job_ends(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    occupancy_run(auth0_env, tmp_path, capsys, chunks=10, seconds=0.4)
    # polls are aimed at the end learnt from the jobs before: a few per job, not a fast fixed loop
    polls = _polls_while_running(auth0_env)
    assert max(polls.values()) <= 8, polls
    assert sum(polls.values()) <= 4 * len(polls), polls


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("BULKEDIT_PUSH_OCCUPANCY"), reason="a timing figure: set BULKEDIT_PUSH_OCCUPANCY=1 on a quiet machine")
def test_both_slots_busy_95_percent_with_2s_jobs(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert occupancy_run(auth0_env, tmp_path, capsys, chunks=20, seconds=2.0) >= 0.95


def test_without_rate_limit_headers_polling_stays_sparse(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    auth0_env.rate_headers = False
    auth0_env.time_left = False
    auth0_env.job_seconds = 0.6
    folder = make_chunks(tmp_path / "out", 6)
    rc, _, err = run(capsys, "push", str(folder), "--yes")
    assert rc == 0, err
    polls = _polls_while_running(auth0_env)
    assert max(polls.values()) <= 8, polls
    assert sum(polls.values()) <= 4 * len(polls), polls


def test_auth0s_time_left_estimate_sets_the_next_poll(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # one job of 2.5 s: after the first poll (processing, time_left_seconds 2), the next is 2 s later
    auth0_env.job_seconds = 2.5
    folder = make_chunks(tmp_path / "out", 1)
    rc, _, err = run(capsys, "push", str(folder), "--yes")
    assert rc == 0, err
    polls = _polls_while_running(auth0_env)
    assert list(polls.values())[0] <= 3, polls  # without the estimate: 0.25, 0.5, 0.8, 1.2, 1.8 ... = 6 or more


def test_a_tight_rate_limit_is_followed_not_run_into(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a free tenant's budget: a bucket of 10 calls refilled at 5 a second
    auth0_env.rate_burst, auth0_env.rate_per_second, auth0_env.rate_tokens = 10, 5.0, 10.0
    auth0_env.job_seconds = 0.05
    folder = make_chunks(tmp_path / "out", 12)
    rc, _, err = run(capsys, "push", str(folder), "--yes")
    assert rc == 0, err
    assert len(auth0_env.imports) == 12
    # the headers say how much is left: push slows down before the bucket is empty
    assert auth0_env.rate_refusals == 0


def test_429s_that_never_stop_end_in_a_clear_exit_2_and_the_run_resumes(
    auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "ATTEMPTS", 3)
    auth0_env.job_seconds = 0.05
    folder = make_chunks(tmp_path / "out", 4)
    auth0_env.fault("GET /api/v2/jobs/", "429", times=10**6)
    rc, _, err = run(capsys, "push", str(folder), "--yes")
    assert rc == 2, err
    assert "kept answering 429 Too Many Requests to GET /api/v2/jobs/" in err
    assert "run the same command again" in err
    assert len(auth0_env.imports) == 2  # two jobs started, then their status could not be read
    auth0_env.faults.clear()
    rc, out, err = run(capsys, "push", str(folder), "--yes", "--format", "json")
    assert rc == 0, err
    assert len(auth0_env.imports) == 4 and json.loads(out)["sent_this_run"] == 2


def test_import_jobs_refused_with_429_for_too_long_end_in_exit_2(auth0_env: FakeAuth0, tmp_path: Path) -> None:
    from bulkedit.auth0.connection import credentials_from_env, parse_domain, ssl_context
    from bulkedit.auth0.prepare import prepare
    from bulkedit.auth0.push import push
    from bulkedit.errors import BulkeditError

    folder = make_chunks(tmp_path / "out", 2)
    auth0_env.fault("POST /api/v2/jobs/users-imports", "429", times=10**6)
    with client.Api(parse_domain(auth0_env.domain), credentials_from_env(), ssl_context()) as api:
        plan = prepare(api, folder)
        with pytest.raises(BulkeditError) as caught:
            push(api, plan, busy_limit=0.5)
    assert caught.value.exit_code == 2
    assert "refused every new import job with 429" in caught.value.message
    assert "run the same command again" in str(caught.value.hint)
    assert auth0_env.imports == []
