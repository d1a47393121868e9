"""`emit --backup` refuses what Auth0's import would not do (issue 14, item 3)."""

from __future__ import annotations

import json
from pathlib import Path

from bulkedit.cli.app import main


def _ndjson(path: Path, users: list[dict]) -> Path:
    path.write_text("".join(json.dumps(u) + "\n" for u in users), encoding="utf-8")
    return path


def _db(uid: str, email: str, **extra: object) -> dict:
    return {"user_id": f"auth0|{uid}", "email": email, "identities": [{"provider": "auth0", "connection": "db"}], **extra}


def test_a_changed_blocked_is_refused(tmp_path: Path, capsys) -> None:
    backup = _ndjson(tmp_path / "backup.ndjson", [_db("1", "a@x.io", blocked=False), _db("2", "b@x.io")])
    edited = _ndjson(tmp_path / "edited.ndjson", [_db("1", "a@x.io", blocked=True), _db("2", "b@x.io", given_name="B")])
    out = tmp_path / "chunks"
    assert main(["emit", str(edited), "-o", str(out), "--backup", str(backup)]) == 1
    err = capsys.readouterr().err
    assert "BE808" in err and "false to true" in err and "nothing was written" in err
    assert not out.exists()
    assert main(["lint", str(edited), "--backup", str(backup)]) == 1


def test_custom_hash_for_an_existing_database_user_warns(tmp_path: Path, capsys) -> None:
    md5 = {"algorithm": "md5", "hash": {"value": "5f4dcc3b5aa765d61d8327deb882cf99", "encoding": "hex"}}
    backup = _ndjson(tmp_path / "backup.ndjson", [_db("1", "a@x.io")])
    edited = _ndjson(tmp_path / "edited.ndjson", [_db("1", "a@x.io", custom_password_hash=md5), _db("2", "b@x.io", custom_password_hash=md5)])
    out = tmp_path / "chunks"
    assert main(["emit", str(edited), "-o", str(out), "--backup", str(backup)]) == 0
    err = capsys.readouterr().err
    (line,) = [ln for ln in err.splitlines() if "BE807" in ln]
    assert ":1:" in line and "cannot show whether" in line
    assert "5f4dcc3b" not in err
