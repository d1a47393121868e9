"""`bulkedit pull` against the fake Management API."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.push.conftest import FIXTURES, assert_no_secret, run
from tests.push.fake_auth0 import FakeAuth0


def test_pull_saves_the_export_and_says_what_inspect_says(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "export.json.gz"
    rc, stdout, stderr = run(capsys, "pull", "-o", str(out), "--connection", "Username-Password-Authentication")
    assert rc == 0, stderr
    assert out.read_bytes() == (FIXTURES / "export.json.gz").read_bytes()
    assert out.stat().st_mode & 0o077 == 0
    assert "users:" in stdout and "ndjson (gzip)" in stdout
    job = auth0_env.exports[0]
    assert job.body["format"] == "json"
    assert job.body["connection_id"] == "con_" + "A" * 16
    names = {f["name"] for f in job.body["fields"]}
    assert {"user_metadata", "app_metadata", "identities", "user_id", "email"} <= names
    # the download went to the other host name, without the token (the fake records any breach)
    assert any(host.startswith("localhost") for _, _, host, _ in auth0_env.requests)
    assert auth0_env.violations == []
    assert_no_secret(auth0_env, stdout, stderr, folders=(tmp_path,))


def test_pull_json_report_and_fields(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "e.json.gz"
    rc, stdout, _ = run(capsys, "pull", "-o", str(out), "--fields", "user_id,email", "--fields", "app_metadata", "--format", "json")
    assert rc == 0
    data = json.loads(stdout)
    assert data["fields"] == ["user_id", "email", "app_metadata"]
    assert data["inspect"]["users"] == len(gzip.decompress((FIXTURES / "export.json.gz").read_bytes()).splitlines())
    assert "connection_id" not in auth0_env.exports[0].body  # the whole tenant


def test_truncated_download_is_refused_and_nothing_written(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    auth0_env.fault("GET /exports/", "truncate")
    out = tmp_path / "e.json.gz"
    rc, _, stderr = run(capsys, "pull", "-o", str(out))
    assert rc == 2
    assert "not a complete gzip" in stderr
    assert not out.exists() and list(tmp_path.glob(".e.json.gz*")) == []


def test_download_retried_after_a_dropped_connection(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    auth0_env.fault("GET /exports/", "drop_before")
    auth0_env.fault("GET /api/v2/jobs/", "500", times=2)
    auth0_env.fault("POST /api/v2/jobs/users-exports", "429")
    out = tmp_path / "e.json.gz"
    rc, _, stderr = run(capsys, "pull", "-o", str(out))
    assert rc == 0, stderr
    assert out.read_bytes() == (FIXTURES / "export.json.gz").read_bytes()


def test_untrusted_certificate_is_refused(auth0_env: FakeAuth0, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")
    rc, _, stderr = run(capsys, "pull", "-o", str(tmp_path / "e.json.gz"))
    assert rc == 2
    assert "not trusted" in stderr and "SSL_CERT_FILE" in stderr


@pytest.mark.parametrize("domain", ["http://127.0.0.1:1", "not a host", "host:99999"])
def test_bad_domain(auth0_env: FakeAuth0, tmp_path: Path, capsys: pytest.CaptureFixture[str], domain: str) -> None:
    rc, _, stderr = run(capsys, "pull", "-o", str(tmp_path / "e.json.gz"), "--domain", domain)
    assert rc == 2
    assert "--domain" in stderr


def test_missing_and_refused_credentials(auth0_env: FakeAuth0, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("AUTH0_CLIENT_SECRET")
    rc, _, stderr = run(capsys, "pull", "-o", str(tmp_path / "e.json.gz"))
    assert rc == 2 and "AUTH0_CLIENT_SECRET is not set" in stderr
    monkeypatch.setenv("AUTH0_CLIENT_SECRET", "wrong-secret-value")
    rc, out, stderr = run(capsys, "pull", "-o", str(tmp_path / "e.json.gz"))
    assert rc == 2 and "refused the client credentials" in stderr
    assert "wrong-secret-value" not in out + stderr
    monkeypatch.delenv("AUTH0_CLIENT_ID")
    monkeypatch.delenv("AUTH0_CLIENT_SECRET")
    monkeypatch.setenv("AUTH0_TOKEN", "expired-or-made-up")
    rc, out, stderr = run(capsys, "pull", "-o", str(tmp_path / "e.json.gz"))
    assert rc == 2 and "refused the token" in stderr
    assert "expired-or-made-up" not in out + stderr


def test_static_token_and_unknown_connection(auth0_env: FakeAuth0, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("AUTH0_CLIENT_ID")
    monkeypatch.delenv("AUTH0_CLIENT_SECRET")
    monkeypatch.setenv("AUTH0_TOKEN", auth0_env.static_token)
    rc, _, stderr = run(capsys, "pull", "-o", str(tmp_path / "e.json.gz"), "--connection", "nope")
    assert rc == 2 and "no connection named 'nope'" in stderr
    rc, out, stderr = run(capsys, "pull", "-o", str(tmp_path / "e.json.gz"))
    assert rc == 0, stderr
    assert_no_secret(auth0_env, out, stderr, folders=(tmp_path,))


def test_ssl_cert_dir_is_used_with_the_system_store(auth0_env: FakeAuth0, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import ssl
    import subprocess

    from bulkedit.auth0.connection import ssl_context

    certs = tmp_path / "certs"
    certs.mkdir()
    (certs / "ca.pem").write_bytes(auth0_env.ca_file.read_bytes())
    rehash = subprocess.run(["openssl", "rehash", str(certs)], capture_output=True, check=False)
    if rehash.returncode != 0:
        pytest.skip("openssl rehash unavailable")
    ctx = ssl_context({"SSL_CERT_DIR": str(certs)})
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    import httpx

    with httpx.Client(verify=ctx) as c:
        assert c.get(f"https://{auth0_env.domain}/api/v2/connections").status_code == 401
    ctx = ssl_context({"SSL_CERT_FILE": str(auth0_env.ca_file)})
    assert ctx.cert_store_stats()["x509_ca"] >= 1
