"""`bulkedit push` against the fake Management API: rules, faults, failures, resuming."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.push.chunks_helper import make_chunks, user
from tests.push.conftest import assert_no_secret, run
from tests.push.fake_auth0 import FakeAuth0


def once_each(fake: FakeAuth0, folder: Path) -> dict[str, int]:
    """chunk -> times the fake imported it (known by the sha256 of the file it received); every
    chunk of the manifest is there, and nothing else was imported."""
    manifest = json.loads((folder / "manifest.json").read_text())
    by_sha = {c["sha256"]: c["file"] for c in manifest["chunks"]}
    counts: dict[str, int] = {}
    for job in fake.imports:
        counts[by_sha[job.sha256]] = counts.get(by_sha[job.sha256], 0) + 1
    assert sorted(counts) == sorted(by_sha.values())
    return counts


def test_push_imports_every_chunk_once_within_auth0s_rules(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    auth0_env.job_seconds = 0.05
    folder = make_chunks(tmp_path / "out", 7, upsert=[True, False, True, True, False, True, True])
    rc, out, err = run(capsys, "push", str(folder), "--yes")
    assert rc == 0, err
    assert set(once_each(auth0_env, folder).values()) == {1}
    assert auth0_env.violations == []
    assert auth0_env.max_in_flight() <= 2 and auth0_env.third_job_refusals == 0
    jobs = {j.filename: j for j in auth0_env.imports}
    assert [jobs[f"chunk-{k:04d}.json"].upsert for k in range(1, 8)] == [True, False, True, True, False, True, True]
    assert not any(j.send_completion_email for j in auth0_env.imports)
    assert all(j.connection_id == "con_" + "A" * 16 for j in auth0_env.imports)
    assert "21 inserted" in out
    assert "tenant:" in err and "to send:     7 chunk(s)" in err
    assert_no_secret(auth0_env, out, err, folders=(folder,))
    # run again: nothing is sent twice
    rc, out, err = run(capsys, "push", str(folder), "--yes", "--format", "json")
    assert rc == 0
    data = json.loads(out)
    assert data["sent_this_run"] == 0 and data["users"]["inserted"] == 21
    assert len(auth0_env.imports) == 7


def test_max_jobs_one_and_completion_email(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    auth0_env.job_seconds = 0.05
    auth0_env.completion_email_expected = True  # type: ignore[attr-defined]
    folder = make_chunks(tmp_path / "out", 4)
    rc, _, err = run(capsys, "push", str(folder), "--yes", "--max-jobs", "1", "--completion-email")
    assert rc == 0, err
    assert auth0_env.max_in_flight() == 1
    assert all(j.send_completion_email for j in auth0_env.imports)
    rc, _, err = run(capsys, "push", str(folder), "--yes", "--max-jobs", "3")
    assert rc == 2


def test_changed_chunk_or_lint_error_sends_nothing(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = make_chunks(tmp_path / "out", 3)
    chunk = folder / "Username-Password-Authentication" / "chunk-0002.json"
    chunk.write_text(chunk.read_text().replace("Given", "Edited"))
    rc, _, err = run(capsys, "push", str(folder), "--yes")
    assert rc == 1 and "changed since emit" in err and "chunk-0002.json" in err
    bad = make_chunks(tmp_path / "bad", 1, users=[[{"email": "not-an-email", "email_verified": "yes"}]])
    rc, _, err = run(capsys, "push", str(bad), "--yes")
    assert rc == 1 and "lint finds" in err
    assert auth0_env.imports == []


def test_connection_must_be_the_named_database_connection(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    social = make_chunks(tmp_path / "social", 1, connection="google-oauth2")
    rc, _, err = run(capsys, "push", str(social), "--yes")
    assert rc == 1 and "only into a database connection" in err
    missing = make_chunks(tmp_path / "missing", 1, connection="no-such-db")
    rc, _, err = run(capsys, "push", str(missing), "--yes")
    assert rc == 2 and "no connection named 'no-such-db'" in err
    assert auth0_env.imports == []


def test_asks_on_a_terminal_only_and_dry_run_sends_nothing(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = make_chunks(tmp_path / "out", 2)
    rc, _, err = run(capsys, "push", str(folder))
    assert rc == 2 and "--yes" in err
    rc, out, err = run(capsys, "push", str(folder), "--dry-run", "--format", "json")
    assert rc == 0
    assert json.loads(out)["plan"]["to_send"] == 2
    assert auth0_env.imports == []


def test_failed_users_are_fetched_explained_and_retried(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = make_chunks(tmp_path / "out", 3, reject={1, 7})
    source = tmp_path / "edited.ndjson"
    source.write_text("".join(json.dumps(user(i, "reject" if i in (1, 7) else "user")) + "\n" for i in range(9)))
    rc, out, err = run(capsys, "push", str(folder), "--yes", "--retry-dir", str(tmp_path / "retry"), "--source", str(source))
    assert rc == 1, err
    assert "2 failed" in out and "INVALID_FORMAT" in out
    saved = sorted((folder / "push").rglob("errors/*.json"))
    assert len(saved) == 2
    assert json.loads(saved[0].read_text())[0]["errors"][0]["code"] == "INVALID_FORMAT"
    assert (tmp_path / "retry" / "manifest.json").is_file() or "retry" in out


def test_a_failed_job_is_reported_and_the_others_go_on(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    auth0_env.fault("JOB", "fail_job")
    folder = make_chunks(tmp_path / "out", 3)
    rc, out, err = run(capsys, "push", str(folder), "--yes")
    assert rc == 1, err
    assert "failed: Failed to parse users file JSON" in out
    assert len(auth0_env.imports) == 3


def test_rate_limits_5xx_drops_and_an_expired_token(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    auth0_env.job_seconds = 0.05
    f = auth0_env.fault
    f("POST /api/v2/jobs/users-imports", "429", times=3)  # refused: safe to send again
    # five failures in a row on the polls: under the bound of 8 attempts per call
    f("GET /api/v2/jobs/", "429", times=2)
    f("GET /api/v2/jobs/", "500", times=1)
    f("GET /api/v2/jobs/", "drop_before", times=1)
    f("GET /api/v2/jobs/", "drop_after", times=1)
    f("GET /api/v2/connections", "expire_token", times=1)  # the client-credentials token is fetched again
    folder = make_chunks(tmp_path / "out", 6, upsert=False)
    rc, out, err = run(capsys, "push", str(folder), "--yes")
    assert rc == 0, err
    assert set(once_each(auth0_env, folder).values()) == {1}
    assert auth0_env.violations == []
    assert sum(1 for _, m, _, p in auth0_env.requests if p == "/oauth/token") == 2
    assert_no_secret(auth0_env, out, err, folders=(folder,))


def test_dropped_import_request_with_upsert_is_sent_again_once(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    auth0_env.fault("POST /api/v2/jobs/users-imports", "drop_before")  # the server never acted
    folder = make_chunks(tmp_path / "out", 3, upsert=True)
    rc, out, err = run(capsys, "push", str(folder), "--yes")
    assert rc == 0, err
    assert set(once_each(auth0_env, folder).values()) == {1}


def test_in_doubt_with_upsert_is_sent_again(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    auth0_env.fault("POST /api/v2/jobs/users-imports", "drop_after")
    folder = make_chunks(tmp_path / "out", 3, upsert=True)
    rc, out, err = run(capsys, "push", str(folder), "--yes")
    assert rc == 0, err
    counts = once_each(auth0_env, folder)
    assert sorted(counts.values()) == [1, 1, 2]
    assert "sent again" in out


def test_in_doubt_without_upsert_is_held_then_resolved(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    auth0_env.fault("POST /api/v2/jobs/users-imports", "500")  # 5xx: Auth0 may or may not have made the job
    folder = make_chunks(tmp_path / "out", 3, upsert=False)
    rc, out, err = run(capsys, "push", str(folder), "--yes")
    assert rc == 1
    assert "in doubt" in out and "--in-doubt resend" in err
    assert len(auth0_env.imports) == 2
    rc, out, err = run(capsys, "push", str(folder), "--yes", "--dry-run", "--format", "json")
    assert [d["chunk"] for d in json.loads(out)["plan"]["in_doubt"]] == ["Username-Password-Authentication/chunk-0001.json"]
    rc, out, err = run(capsys, "push", str(folder), "--yes", "--in-doubt", "resend")
    assert rc == 0, err
    assert set(once_each(auth0_env, folder).values()) == {1}


def test_a_third_job_of_someone_else_makes_push_wait(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import time

    from tests.push.fake_auth0 import ImportJob

    now = time.time()
    auth0_env.imports.append(ImportJob("job_" + "X" * 16, "someone-else", "con_" + "A" * 16, False, False, "x.json", "", [], now, now + 1.0))
    folder = make_chunks(tmp_path / "out", 3)
    rc, _, err = run(capsys, "push", str(folder), "--yes")
    assert rc == 0, err
    assert auth0_env.max_in_flight() <= 2


def test_expired_static_token_is_unusable(auth0_env: FakeAuth0, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("AUTH0_CLIENT_ID")
    monkeypatch.delenv("AUTH0_CLIENT_SECRET")
    monkeypatch.setenv("AUTH0_TOKEN", auth0_env.static_token)
    auth0_env.tokens[auth0_env.static_token] = 0.0
    folder = make_chunks(tmp_path / "out", 1)
    rc, out, err = run(capsys, "push", str(folder), "--yes")
    assert rc == 2 and "refused the token" in err
    assert_no_secret(auth0_env, out, err, folders=(folder,))
