"""A fix to a field Auth0 shows as ***** (a hash, a TOTP secret) is seen through the chunk Auth0 received.

The answer hides the secret, so only `--chunks` can tell a fixed secret from an
unchanged one: with it, a fixed user is retried and an unchanged one listed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bulkedit.emit.emit import EmitOptions, emit
from bulkedit.joberrors.analyse import explain
from bulkedit.joberrors.answer import REDACTED

BCRYPT = "$2b$10$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234"
BCRYPT_FIXED = "$2a$10$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234"
MD5 = "5f4dcc3b5aa765d61d8327deb882cf99"
MD5_FIXED = "e10adc3949ba59abbe56e057f20f883e"

USERS: list[dict[str, Any]] = [
    {"user_id": "u1", "email": "a@x.io", "password_hash": BCRYPT},
    {"user_id": "u2", "email": "b@x.io", "custom_password_hash": {"algorithm": "md5", "hash": {"value": MD5, "encoding": "hex"}}},
    {"user_id": "u3", "email": "c@x.io", "mfa_factors": [{"totp": {"secret": "JBSWY3DPEHPK3PXP"}}]},
]
#: user_id -> (the path Auth0 names, its error code)
FAILS = {
    "u1": ("password_hash", "PATTERN"),
    "u2": ("custom_password_hash.hash.value", "PATTERN"),
    "u3": ("mfa_factors[0]", "MFA_FACTORS_FAILED"),
}


def _with_secrets(user: dict[str, Any], password_hash: str, md5: str, totp: str) -> dict[str, Any]:
    """`user` with its secrets set to these values (Auth0's echo: all three REDACTED)."""
    u = json.loads(json.dumps(user))
    if "password_hash" in u:
        u["password_hash"] = password_hash
    if "custom_password_hash" in u:
        u["custom_password_hash"]["hash"]["value"] = md5
    for f in u.get("mfa_factors", []):
        f["totp"]["secret"] = totp
    return u


def _redact(user: dict[str, Any]) -> dict[str, Any]:
    return _with_secrets(user, REDACTED, REDACTED, REDACTED)


def _fixed(user: dict[str, Any]) -> dict[str, Any]:
    return _with_secrets(user, BCRYPT_FIXED, MD5_FIXED, "KRSXG5CTMVRXEZLU")


def _ndjson(path: Path, users: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(u) + "\n" for u in users))
    return path


@pytest.fixture
def job(tmp_path: Path) -> tuple[Path, Path]:
    """An emit folder of USERS and Auth0's answer failing all three, secrets redacted as Auth0 does."""
    chunks = tmp_path / "chunks"
    emit(_ndjson(tmp_path / "emitted.ndjson", USERS), chunks, EmitOptions(connection="db", config={}))
    sent = json.loads((chunks / "db" / "chunk-0001.json").read_text())
    answer = tmp_path / "errors.json"
    answer.write_text(json.dumps([
        {"user": _redact(u), "errors": [{"code": FAILS[u["user_id"]][1], "message": "bad", "path": FAILS[u["user_id"]][0]}]}
        for u in sent
    ]))
    return answer, chunks


def _decisions(answer: Path, source: Path, out: Path, chunks: Path | None) -> dict[str, tuple[str | None, str | None]]:
    result = explain([answer], chunks=chunks, source=source, retry_dir=out, connection="db")
    return {f.user_id or "": (f.decision, f.reason) for f in result.failures}


def test_a_fixed_secret_is_retried_with_chunks(job: tuple[Path, Path], tmp_path: Path) -> None:
    answer, chunks = job
    source = _ndjson(tmp_path / "edited.ndjson", [_fixed(u) for u in USERS])
    decisions = _decisions(answer, source, tmp_path / "retry", chunks)
    assert {uid: d for uid, (d, _) in decisions.items()} == {"u1": "retry", "u2": "retry", "u3": "retry-upsert"}, decisions
    retried = {u["user_id"]: u for f in (tmp_path / "retry").rglob("chunk-*.json") for u in json.loads(f.read_text())}
    assert retried["u1"]["password_hash"] == BCRYPT_FIXED  # rebuilt from the source, not from the answer


def test_an_unchanged_secret_is_still_listed_with_chunks(job: tuple[Path, Path], tmp_path: Path) -> None:
    answer, chunks = job
    source = _ndjson(tmp_path / "edited.ndjson", USERS)
    decisions = _decisions(answer, source, tmp_path / "retry", chunks)
    assert all(d == "listed" and "unchanged in the source" in (r or "") for d, r in decisions.values()), decisions


def test_without_chunks_a_redacted_secret_cannot_be_told_apart(job: tuple[Path, Path], tmp_path: Path) -> None:
    answer, _ = job
    source = _ndjson(tmp_path / "edited.ndjson", [_fixed(u) for u in USERS])
    decisions = _decisions(answer, source, tmp_path / "retry", None)
    assert all(d == "listed" for d, _ in decisions.values()), decisions
