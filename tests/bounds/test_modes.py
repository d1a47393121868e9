"""Files holding identity tokens hold credentials, as files with hashes do: mode 0600."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from .conftest import cli, ndjson, user


@pytest.mark.parametrize("token", ["access_token", "refresh_token"])
@pytest.mark.parametrize("out", ["users.ndjson", "users.json", "users.csv", "users.xlsx", "edited.ndjson"])
def test_identity_tokens_are_written_0600(capsys: pytest.CaptureFixture[str], tmp_path: Path, token: str, out: str) -> None:
    u = user(1)
    u["identities"][0][token] = "ya29.secret-token"
    src = tmp_path / "export.ndjson"
    src.write_text(ndjson([u, user(2)]))
    plan = tmp_path / "plan.yaml"
    plan.write_text("edits:\n  - set: {user_metadata.tier: basic}\n")
    target = tmp_path / out
    args = ["edit", src, "--plan", plan, "-o", target] if out.startswith("edited") else ["convert", src, "-o", target]
    rc, _, err = cli(capsys, *args)
    assert rc == 0, err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
