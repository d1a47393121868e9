from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.push.fake_auth0 import FakeAuth0

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"

_AUTH0_VARS = ("AUTH0_DOMAIN", "AUTH0_TOKEN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "AUTH0_AUDIENCE", "SSL_CERT_FILE", "SSL_CERT_DIR")


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeAuth0]:
    srv = FakeAuth0(tmp_path, export_users=(FIXTURES / "export.json.gz").read_bytes()).start()
    yield srv
    srv.stop()


@pytest.fixture
def auth0_env(monkeypatch: pytest.MonkeyPatch, fake: FakeAuth0) -> FakeAuth0:
    """The fake's domain, CA and client credentials in this process's environment (no proxy)."""
    for var in (*_AUTH0_VARS, "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    for k, v in fake.env().items():
        monkeypatch.setenv(k, v)
    return fake


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from bulkedit.cli.app import main

    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def assert_no_secret(fake: FakeAuth0, *texts: str, folders: tuple[Path, ...] = ()) -> None:
    """No token or client secret in any output or any file written."""
    blobs = list(texts)
    for folder in folders:
        for p in folder.rglob("*"):
            if p.is_file():
                blobs.append(p.read_bytes().decode("latin-1"))
    for secret in fake.secrets():
        for blob in blobs:
            assert secret not in blob


def env_without_auth0() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _AUTH0_VARS}
