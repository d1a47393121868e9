"""No report of any command, in any format, holds a secret (issue 17, group 1).

A canary value is planted in every secret path the registry (`bulkedit.privacy`)
names; each command then runs on that data in every report format and every
report (stdout, stderr, -o report files) is searched for every canary. Data files
(edited exports, chunks, retry chunks) keep the secrets, with mode 0600.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from bulkedit.cli.app import main

# one canary per secret path, old and new; each unique, none a substring of another
OLD = {
    "password_hash": "$2b$10$CANARYpwhashOLD" + "x" * 38,  # a complete bcrypt hash: 53 characters after the cost
    "cph.hash": "CANARYcphHashOLD0000",  # base64
    "cph.salt": "CANARYcphSaltOLD0",
    "cph.key": "CANARYcphKeyOLD0",
    "totp": "CANARYTOTPOLDAAA",
    "access_token": "CANARYidAccessOLD0",
    "refresh_token": "CANARYidRefreshOLD0",
    "access_token_secret": "CANARYidTokSecretOLD0",
    "recovery_code": "CANARYrecoveryOLD0",
}
NEW = {k: v.replace("OLD", "NEW") for k, v in OLD.items()}
CANARIES = (*OLD.values(), *NEW.values())


def _secrets(user: dict[str, Any], c: dict[str, str]) -> dict[str, Any]:
    user = copy.deepcopy(user)
    user["password_hash"] = c["password_hash"]
    user["mfa_factors"] = [{"totp": {"secret": c["totp"]}}, {"phone": {"value": "+14155550100"}}]
    ident = user["identities"][0]
    ident.update(access_token=c["access_token"], refresh_token=c["refresh_token"], access_token_secret=c["access_token_secret"])
    user.setdefault("app_metadata", {})["recovery_code"] = c["recovery_code"]
    return user


def _cph(c: dict[str, str]) -> dict[str, Any]:
    return {
        "algorithm": "hmac",
        "hash": {"value": c["cph.hash"], "encoding": "base64", "digest": "sha256", "key": {"value": c["cph.key"], "encoding": "utf8"}},
        "salt": {"value": c["cph.salt"], "position": "suffix"},
    }


def _user(i: int, c: dict[str, str], *, cph: bool = False) -> dict[str, Any]:
    u: dict[str, Any] = {
        "user_id": f"auth0|canary{i:04d}",
        "email": f"canary{i}@example.com",
        "email_verified": True,
        "name": f"Canary {i}",
        "created_at": "2021-04-11T13:26:20.581Z",
        "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": f"canary{i:04d}", "isSocial": False}],
        "app_metadata": {"plan": "free"},
    }
    u = _secrets(u, c)
    if cph:
        del u["password_hash"]
        u["custom_password_hash"] = _cph(c)
    return u


def _ndjson(path: Path, users: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(u) + "\n" for u in users), "utf-8")
    return path


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """A backup holding the OLD canaries and a candidate holding the NEW ones (changed, added, removed)."""
    backup = [_user(0, OLD), _user(1, OLD, cph=True), _user(2, OLD)]
    cand = [_user(0, NEW), _user(1, NEW, cph=True), copy.deepcopy(backup[2])]
    for name in ("password_hash", "mfa_factors"):
        del cand[2][name]  # removed secrets
    del backup[2]["identities"][0]["access_token"]  # an added token
    cand.append(_user(3, NEW))  # an added user: every secret of it new
    return _ndjson(tmp_path / "backup.ndjson", backup), _ndjson(tmp_path / "cand.ndjson", cand)


def _leaks(text: str) -> list[str]:
    return [c for c in CANARIES if c in text]


def _run(capsys: pytest.CaptureFixture[str], args: list[str], *reports: Path) -> tuple[int, str]:
    rc = main(args)
    cap = capsys.readouterr()
    text = cap.out + cap.err + "".join(p.read_text("utf-8") for p in reports if p.exists())
    return rc, text


# -- diff ------------------------------------------------------------------------------

DIFF_FORMATS = ["text", "json", "markdown", "html"]


@pytest.mark.parametrize("redact", [False, True], ids=["plain", "redact"])
@pytest.mark.parametrize("fmt", DIFF_FORMATS)
def test_diff_reports(pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, redact: bool) -> None:
    backup, cand = pair
    report = tmp_path / f"report.{fmt}"
    flags = ["--redact"] if redact else []
    rc, text = _run(capsys, ["diff", str(backup), str(cand), "--format", fmt, "--limit", "0", *flags], )
    rc2, text2 = _run(capsys, ["diff", str(backup), str(cand), "--format", fmt, "-o", str(report), *flags], report)
    assert rc in (0, 1) and rc2 == rc, text
    assert not _leaks(text + text2)
    assert "access_token" in text  # the change is still listed, by path
    assert "secret" in text


# -- edit --plan ------------------------------------------------------------------------

_HAS_HASH = {"password_hash": {"exists": True}}
_HAS_CPH = {"custom_password_hash": {"exists": True}}
STEPS: dict[str, list[dict[str, Any]]] = {
    "set-hash": [{"set": {"password_hash": NEW["password_hash"]}}],
    "set-totp": [{"set": {"mfa_factors": [{"totp": {"secret": NEW["totp"]}}]}}],
    "set-token": [{"set": {"identities[0].access_token": NEW["access_token"], "identities[0].refresh_token": NEW["refresh_token"]}}],
    "set-cph": [{"set": {"custom_password_hash": _cph(NEW)}}],
    "set-cph-leaf": [{"where": _HAS_CPH, "set": {"custom_password_hash.hash.key.value": NEW["cph.key"]}}],
    "unset": [{"unset": ["password_hash", "mfa_factors", "identities[0].refresh_token", "app_metadata.recovery_code"]}],
    "merge": [{"merge": {"custom_password_hash": {"salt": {"value": NEW["cph.salt"]}}}}],
    "merge-identity": [{"merge": {"identities[0]": {"access_token_secret": NEW["access_token_secret"]}}}],
    "rename": [{"where": _HAS_HASH, "rename": {"password_hash": "app_metadata.old_hash"}},
               {"rename": {"identities[0].access_token": "user_metadata.token", "mfa_factors": "user_metadata.factors"}}],
    "template": [{"where": _HAS_HASH, "template": {"app_metadata.note": "{password_hash}"}},
                 {"template": {"nickname": "x {identities[0].refresh_token} {mfa_factors[0].totp.secret}"}},
                 {"where": _HAS_CPH, "template": {"user_metadata.h": "{custom_password_hash.hash.value}/{custom_password_hash.salt.value}"}}],
}


@pytest.mark.parametrize("dry", [True, False], ids=["dry-run", "write"])
@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("step", sorted(STEPS))
def test_edit_plan_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str], step: str, fmt: str, dry: bool) -> None:
    src = _ndjson(tmp_path / "in.ndjson", [_user(0, OLD), _user(1, OLD, cph=True)])
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"edits": STEPS[step]}), "utf-8")
    out = tmp_path / "out.ndjson"
    flags = ["--dry-run"] if dry else []
    rc, text = _run(capsys, ["edit", str(src), "--plan", str(plan), "-o", str(out), "--format", fmt, *flags])
    assert rc == 0, text
    assert not _leaks(text)
    if not dry:  # the data file keeps its secrets, readable by its owner only
        assert _leaks(out.read_text("utf-8"))
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


@pytest.mark.parametrize("where", [
    {"password_hash": {"matches": OLD["password_hash"] + "(["}},  # a hash pasted as a regex: $ ( [ are regex syntax
    {"custom_password_hash.salt.value": {"matches": "[" + OLD["cph.salt"]}},
    {"identities[0].access_token": {"in": OLD["access_token"]}},
    {"mfa_factors[0].totp.secret": {"gt": True, "eq": OLD["totp"]}},
    {"password_hash": {"startswith": OLD["password_hash"], "exists": "yes"}},
], ids=["regex-hash", "regex-salt", "in-token", "gt-totp", "exists-hash"])
def test_plan_errors_about_secret_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str], where: dict[str, Any]) -> None:
    src = _ndjson(tmp_path / "in.ndjson", [_user(0, OLD), _user(1, OLD, cph=True)])
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"edits": [{"where": where, "set": {"name": "x"}}]}), "utf-8")
    rc, text = _run(capsys, ["edit", str(src), "--plan", str(plan), "-o", str(tmp_path / "o.ndjson"), "--dry-run"])
    assert rc == 2, text  # a plan error, named with the plan's location
    assert "plan.json" in text
    assert not _leaks(text)


# -- edit --sheet -------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("sheet", ["csv", "xlsx"])
def test_edit_sheet_damaged_secret_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str], sheet: str, fmt: str) -> None:
    salt, digits = "00918273645546372819", "123456789012345678901234"
    users = [_user(0, OLD), _user(1, OLD, cph=True)]
    users[1]["custom_password_hash"]["salt"]["value"] = salt
    users[1]["custom_password_hash"]["hash"]["value"] = digits
    users[0]["password_hash"] = "0" + digits
    src = _ndjson(tmp_path / "in.ndjson", users)
    book = tmp_path / f"users.{sheet}"
    assert main(["convert", str(src), "-o", str(book)]) == 0
    capsys.readouterr()
    damage = {salt: salt.lstrip("0"), digits: "1.23457E+23", "0" + digits: digits}
    if sheet == "csv":
        rows = list(csv.reader(book.open(encoding="utf-8", newline="")))
        rows = [[damage.get(c.lstrip("'"), c) for c in r] for r in rows]
        with book.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(rows)
    else:
        import openpyxl

        wb = openpyxl.load_workbook(book)
        for row in wb.worksheets[0].iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value in damage:
                    cell.value = damage[cell.value]
        wb.save(book)
    rc, text = _run(capsys, ["edit", str(src), "--sheet", str(book), "-o", str(tmp_path / "o.ndjson"), "--format", fmt])
    assert rc == 1, text  # refused: the damaged cells are named
    for value in (salt, salt.lstrip("0"), digits, "0" + digits, "1.23457E+23", *CANARIES):
        assert value not in text


# -- lint, inspect, convert, emit -----------------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_lint_reports(pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    backup, cand = pair
    bad = [_user(5, OLD), _user(6, OLD, cph=True)]
    bad[0]["password_hash"] = "CANARYnotbcryptOLD"
    bad[0]["mfa_factors"][0]["totp"]["secret"] = "canarytotp===OLD"
    bad[1]["custom_password_hash"]["algorithm"] = "CANARYalgo"
    bad_file = _ndjson(tmp_path / "bad.ndjson", bad)
    rc, text = _run(capsys, ["lint", str(cand), str(bad_file), "--format", fmt, "--backup", str(backup)])
    assert rc == 1 and "BE401" in text and "BE501" in text, text  # the findings are there, their values are not
    assert not _leaks(text)
    assert "CANARYnotbcryptOLD" not in text and "canarytotp===OLD" not in text


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_inspect_reports(pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    _, cand = pair
    rc, text = _run(capsys, ["inspect", str(cand), "--format", fmt])
    assert rc == 0 and not _leaks(text)


def test_emit_and_convert(pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backup, cand = pair
    rc, text = _run(capsys, ["emit", str(cand), "-o", str(tmp_path / "chunks"), "--backup", str(backup), "--all-users"])
    assert not _leaks(text), text
    rc2, text2 = _run(capsys, ["convert", str(cand), "-o", str(tmp_path / "c.csv")])
    assert rc2 == 0 and not _leaks(text2)
    assert stat.S_IMODE(os.stat(tmp_path / "c.csv").st_mode) == 0o600


# -- errors --------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_errors_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    """An answer that was not redacted, and Auth0 messages that quote a hash, a salt, a token."""
    users = [_user(0, OLD), _user(1, OLD, cph=True)]
    src = _ndjson(tmp_path / "edited.ndjson", users)
    chunks = tmp_path / "chunks"
    assert main(["emit", str(src), "-o", str(chunks)]) == 0
    capsys.readouterr()
    chunk = next(p for p in chunks.rglob("*.json") if p.name != "manifest.json")
    assert stat.S_IMODE(os.stat(chunk).st_mode) == 0o600
    sent = json.loads(chunk.read_text("utf-8"))
    answer = [
        {"user": sent[0], "errors": [{"code": "PATTERN", "message": f"String does not match pattern: {OLD['password_hash']}", "path": "password_hash"},
                                      {"code": "CANARY\x1b[2JCODE", "message": f"totp {OLD['totp']} invalid", "path": "mfa_factors[0].totp.secret"}]},
        {"user": sent[1], "errors": [{"code": "INVALID_FORMAT", "message": f"salt {OLD['cph.salt']} / key {OLD['cph.key']} / hash {OLD['cph.hash']}", "path": "custom_password_hash"}]},
    ]
    ans = tmp_path / "errors.json"
    ans.write_text(json.dumps(answer), "utf-8")
    retry = tmp_path / "retry"
    rc, text = _run(capsys, ["errors", str(ans), "--chunks", str(chunks), "--source", str(src), "-o", str(retry), "--format", fmt])
    assert rc in (0, 1), text
    assert not _leaks(text)
    reports = [p for p in retry.rglob("*") if p.is_file() and p.suffix in (".md", ".txt", ".html")]
    for p in reports:
        assert not _leaks(p.read_text("utf-8"))
    assert "(secret, " in text  # the message is still there, its secret replaced by a marker


def test_identity_tokens_make_a_data_file_private(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An export whose only secrets are a social identity's tokens is written 0600 too."""
    user = _user(0, OLD)
    for name in ("password_hash", "mfa_factors"):
        del user[name]
    del user["app_metadata"]["recovery_code"]
    src = _ndjson(tmp_path / "in.ndjson", [user])
    for name in ("out.ndjson", "out.json", "out.csv", "out.xlsx"):
        assert main(["convert", str(src), "-o", str(tmp_path / name)]) == 0
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600, name
    capsys.readouterr()
