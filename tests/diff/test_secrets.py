"""No diff report prints a password hash, a custom hash's secret parts or a TOTP secret, in any format.

A changed secret still shows as a change, with a marker that says only its length.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bulkedit.cli.app import main
from bulkedit.diff import field_changes
from bulkedit.io.read import read_users
from tests.diff.conftest import EXPORT, write_ndjson

BCRYPT_OLD = "$2b$10$abcdefghijklmnopqrstuuJ8b4yqOmD4N5v2Z5Q0nC6v5v8YbqQ0m"
BCRYPT_NEW = "$2b$10$zzzdefghijklmnopqrstuuJ8b4yqOmD4N5v2Z5Q0nC6v5v8YbqQ0m"
HEX_HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
SALT = "s4lt-v4lu3-0123"
HMAC_KEY = "k3y-0f-th3-hm4c"
TOTP = "JBSWY3DPEHPK3PXP"
TOTP_NEW = "KRSXG5CTMVRXEZLU"
SECRETS = (BCRYPT_OLD, BCRYPT_NEW, HEX_HASH, SALT, HMAC_KEY, TOTP, TOTP_NEW)


def _pair(tmp_path: Path) -> tuple[Path, Path]:
    users = read_users(EXPORT)[:8]
    backup = copy.deepcopy(users)
    backup[0]["password_hash"] = BCRYPT_OLD
    backup[2]["mfa_factors"] = [{"totp": {"secret": TOTP}}, {"phone": {"value": "+14155550100"}}]
    cand = copy.deepcopy(backup)
    cand[0]["password_hash"] = BCRYPT_NEW  # changed
    cand[1]["custom_password_hash"] = {  # added whole
        "algorithm": "hmac",
        "hash": {"value": HEX_HASH, "encoding": "hex", "digest": "sha256", "key": {"value": HMAC_KEY, "encoding": "utf8"}},
        "salt": {"value": SALT, "position": "suffix"},
    }
    cand[2]["mfa_factors"][0]["totp"]["secret"] = TOTP_NEW  # changed inside a list
    cand[3]["mfa_factors"] = [{"totp": {"secret": TOTP}}]  # added whole
    return write_ndjson(tmp_path / "backup.ndjson", backup), write_ndjson(tmp_path / "cand.ndjson", cand)


@pytest.mark.parametrize("redact", [False, True], ids=["plain", "redact"])
@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html"])
def test_no_report_holds_a_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, redact: bool) -> None:
    backup, cand = _pair(tmp_path)
    flags = ["--redact"] if redact else []
    rc = main(["diff", str(backup), str(cand), "--format", fmt, "--limit", "0", *flags])
    out = capsys.readouterr().out
    assert rc == 0, out
    for secret in SECRETS:
        assert secret not in out
    assert out.count("(secret, 60 chars)") == 2  # the bcrypt hash, old and new
    assert "(secret, 16 chars)" in out  # the TOTP secrets
    for shown in ("hmac", "sha256", "suffix", "password_hash", "mfa_factors[0].totp.secret"):
        assert shown in out  # what kind of secret changed, and where, stays visible


def test_written_reports_hold_no_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backup, cand = _pair(tmp_path)
    for fmt in ("text", "json", "markdown", "html"):
        report = tmp_path / f"r.{fmt}"
        assert main(["diff", str(backup), str(cand), "--format", fmt, "-o", str(report)]) == 0
        text = report.read_text("utf-8")
        assert not [s for s in SECRETS if s in text]
    capsys.readouterr()


def _changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {c.path: (c.to_dict().get("old"), c.to_dict().get("new")) for c in field_changes(old, new)}


def test_secret_markers_in_detail() -> None:
    got = _changes(
        {"password_hash": BCRYPT_OLD, "mfa_factors": [{"phone": {"value": "+14155550100"}}], "custom_password_hash": {"algorithm": "md5", "hash": {"value": "ab", "encoding": "hex"}}},
        {"password_hash": 12345, "mfa_factors": [{"phone": {"value": "+14155550199"}}], "custom_password_hash": {"algorithm": "sha1", "hash": {"value": "abcd", "encoding": "base64"}}},
    )
    assert got["password_hash"] == ("(secret, 60 chars)", "(secret)")
    assert got["mfa_factors[0].phone.value"] == ("+14155550100", "+14155550199")  # a phone number, not a secret
    assert got["custom_password_hash.algorithm"] == ("md5", "sha1")
    assert got["custom_password_hash.hash.value"] == ("(secret, 2 chars)", "(secret, 4 chars)")
    assert got["custom_password_hash.hash.encoding"] == ("hex", "base64")


def test_the_class_still_sees_the_values() -> None:
    """Masking is for the report only: classes are decided on the real values."""
    (c,) = field_changes({"password_hash": BCRYPT_OLD}, {"password_hash": BCRYPT_NEW})
    assert (c.change, c.cls) == ("changed", "ignored")
