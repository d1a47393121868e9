"""push takes each job's parameters from the manifest emit wrote, keeps its state private, and
prints what Auth0 answers with control characters escaped."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest

from tests.push.chunks_helper import make_chunks
from tests.push.conftest import FIXTURES, assert_no_secret, run
from tests.push.fake_auth0 import FakeAuth0


def _emit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    out = tmp_path / "chunks"
    rc, _, err = run(capsys, "emit", str(FIXTURES / "export.json"), "-o", str(out))
    assert rc == 0, err
    return out


def test_an_emit_folder_is_imported_with_the_manifests_job_parameters(
    auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _emit(tmp_path, capsys)
    manifest = json.loads((folder / "manifest.json").read_text())
    rc, out, err = run(capsys, "push", str(folder), "--yes", "--format", "json")
    assert rc == 0, err
    sent = {j.sha256: j for j in auth0_env.imports}
    assert len(sent) == len(manifest["chunks"]) == 2
    ids = {c["name"]: c["id"] for c in auth0_env.connections}
    for entry in manifest["chunks"]:
        job = sent[entry["sha256"]]
        assert job.external_id == entry["external_id"]  # the manifest's own, tying the job to its chunk
        assert job.upsert is entry["upsert"] is True
        assert job.connection_id == ids[entry["connection"]]
        assert job.send_completion_email is False  # the manifest's job.send_completion_email
    assert json.loads(out)["plan"]["completion_email"] is False
    assert auth0_env.violations == []
    assert_no_secret(auth0_env, out, err, folders=(folder,))


def test_the_manifests_send_completion_email_and_job_upsert_are_used(
    auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make_chunks(tmp_path / "out", 2, upsert=None)  # the chunks do not say: the manifest's job does
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["job"] = {"upsert": False, "send_completion_email": True}
    path.write_text(json.dumps(manifest))
    auth0_env.completion_email_expected = True  # type: ignore[attr-defined]
    rc, _, err = run(capsys, "push", str(folder), "--yes")
    assert rc == 0, err
    assert [j.send_completion_email for j in auth0_env.imports] == [True, True]
    assert [j.upsert for j in auth0_env.imports] == [False, False]


def test_the_journal_and_the_fetched_errors_are_private(
    auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make_chunks(tmp_path / "out", 2, reject={0})
    rc, _, err = run(capsys, "push", str(folder), "--yes")
    assert rc == 1, err
    state = next((folder / "push").iterdir())
    files = [state / "journal.jsonl", state / "lock", *sorted((state / "errors").iterdir())]
    assert len(files) == 3
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    assert stat.S_IMODE(state.stat().st_mode) == 0o700


def test_auth0s_text_is_printed_with_control_characters_escaped(
    auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    auth0_env.fail_details = "bad file\x1b]0;pwned\x07\u202eevil"
    auth0_env.fault("JOB", "fail_job")
    folder = make_chunks(tmp_path / "out", 1)
    rc, out, err = run(capsys, "push", str(folder), "--yes")
    assert rc == 1, err
    assert "\x1b" not in out + err and "\u202e" not in out + err
    assert "bad file\\x1b]0;pwned\\x07\\u202eevil" in out


def test_a_job_auth0_no_longer_knows_is_reported_and_the_rest_is_sent(
    auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # an earlier run (days ago) had chunk 1 accepted as a job Auth0 has since deleted
    folder = make_chunks(tmp_path / "out", 3)
    sha = hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
    state = folder / "push" / auth0_env.domain.replace(":", "_")
    state.mkdir(parents=True)
    lines = [
        {"op": "begin", "manifest_sha256": sha, "domain": auth0_env.domain},
        {"op": "send", "chunk": "Username-Password-Authentication/chunk-0001.json"},
        {"op": "accepted", "chunk": "Username-Password-Authentication/chunk-0001.json", "job": "job_" + "0" * 16},
    ]
    (state / "journal.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    rc, out, err = run(capsys, "push", str(folder), "--yes", "--format", "json")
    assert rc == 1, err
    data = json.loads(out)
    gone = data["jobs"][0]
    assert gone["status"] == "expired" and "no longer knows" in gone["status_details"]
    assert len(auth0_env.imports) == 2  # the other two chunks; the first is not sent again
    assert data["chunks_by_status"] == {"completed": 2, "expired": 1}


def test_pull_follows_the_output_rule_of_every_command(
    auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "export.json.gz"
    out.write_bytes(b"old")
    rc, _, err = run(capsys, "pull", "-o", str(out))
    assert rc == 1 and "--force" in err
    assert out.read_bytes() == b"old" and auth0_env.exports == []
    rc, _, err = run(capsys, "pull", "-o", str(out), "--force")
    assert rc == 0, err
    assert out.read_bytes() == (FIXTURES / "export.json.gz").read_bytes()
