"""`emit --backup` writes only the users whose import would change the tenant (issue 14, item 1).

Judged as the upsert applies it, as `diff` compares an import file's user: an
`email_verified` reset or an erased metadata key is a change. lint, diff against the
emit folder and the rollback chunks agree with what was written.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from bulkedit.cli.app import main
from bulkedit.diff import diff
from bulkedit.emit.emit import EmitOptions, emit
from bulkedit.importfile.convert import upsert_changes
from bulkedit.lint.engine import LintOptions
from bulkedit.lint.run import lint


def _db(uid: str, email: str, **extra: object) -> dict:
    return {"user_id": f"auth0|{uid}", "email": email, "identities": [{"provider": "auth0", "connection": "db"}],
            "created_at": "2020-01-01T00:00:00.000Z", **extra}


BACKUP = [
    _db("1", "a@x.io", email_verified=True, user_metadata={"plan": "free", "lang": "de"}),
    _db("2", "b@x.io", email_verified=True, given_name="Bea"),
    _db("3", "c@x.io", user_metadata={"plan": "pro", "zip": "02134"}),
    _db("4", "d@x.io", given_name="Dee"),
    _db("5", "e@x.io", given_name="Eve"),
]


def _ndjson(path: Path, users: list[dict]) -> Path:
    path.write_text("".join(json.dumps(u) + "\n" for u in users), encoding="utf-8")
    return path


def _edited() -> list[dict]:
    users = copy.deepcopy(BACKUP)
    users[0]["user_metadata"]["plan"] = "gold"  # an ordinary edit
    del users[1]["email_verified"]  # the import would reset email_verified to false: a change
    del users[2]["user_metadata"]["zip"]  # an erased metadata key: a change
    users.append(_db("6", "f@x.io"))  # a new user: created
    return users  # users 4 and 5 are as in the backup


def _written(out: Path) -> list[str]:
    m = json.loads((out / "manifest.json").read_text())
    return [u["email"] for c in m["chunks"] for u in json.loads((out / c["file"]).read_text())]


def test_only_the_users_the_import_changes_are_written(tmp_path: Path, capsys) -> None:
    backup = _ndjson(tmp_path / "backup.ndjson", BACKUP)
    edited = _ndjson(tmp_path / "edited.ndjson", _edited())
    out = tmp_path / "chunks"
    assert main(["emit", str(edited), "-o", str(out), "--backup", str(backup)]) == 0
    err = capsys.readouterr().err
    assert _written(out) == ["a@x.io", "b@x.io", "c@x.io", "f@x.io"]
    m = json.loads((out / "manifest.json").read_text())
    assert (m["users"], m["unchanged"], m["options"]["all_users"]) == (4, 2, False)
    assert "unchanged, not written: 2 user(s)" in err
    # the rollback restores only written users
    rb = [u["email"] for c in m["rollback"] for u in json.loads((out / c["file"]).read_text())]
    assert rb == ["a@x.io", "c@x.io"]


def test_all_users_writes_every_user(tmp_path: Path, capsys) -> None:
    backup = _ndjson(tmp_path / "backup.ndjson", BACKUP)
    edited = _ndjson(tmp_path / "edited.ndjson", _edited())
    out = tmp_path / "chunks"
    assert main(["emit", str(edited), "-o", str(out), "--backup", str(backup), "--all-users"]) == 0
    assert "--all-users: every user written, 2 of them unchanged" in capsys.readouterr().err
    assert len(_written(out)) == 6
    m = json.loads((out / "manifest.json").read_text())
    assert (m["users"], m["unchanged"], m["options"]["all_users"]) == (6, 2, True)


def test_without_backup_every_user_is_written_and_it_says_so(tmp_path: Path, capsys) -> None:
    edited = _ndjson(tmp_path / "edited.ndjson", _edited())
    out = tmp_path / "chunks"
    assert main(["emit", str(edited), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert len(_written(out)) == 6
    assert sum("without --backup emit cannot tell" in line for line in err.splitlines()) == 1
    assert json.loads((out / "manifest.json").read_text())["unchanged"] is None


def test_diff_against_the_emit_folder_agrees(tmp_path: Path) -> None:
    backup = _ndjson(tmp_path / "backup.ndjson", BACKUP)
    edited = _ndjson(tmp_path / "edited.ndjson", _edited())
    out = tmp_path / "chunks"
    emit(edited, out, EmitOptions(backup=backup, config={}))
    result = diff(backup, out)
    c = result.counts
    assert (c.changed, c.added, c.removed, c.unchanged, c.not_in_file) == (3, 1, 0, 0, 2)
    assert not result.gate.failed, result.gate.reasons
    # and the edited file itself shows the same users changed
    full = diff(backup, edited)
    assert {u.key for u in full.changed_users} == {u.key for u in result.changed_users}


def test_lint_with_backup_does_not_judge_unchanged_users(tmp_path: Path) -> None:
    """An unchanged user the import file would not carry is neither an error for lint nor a refusal of emit."""
    bad = _db("7", "g@x.io", given_name="")  # invalid for an import (given_name too short), but unchanged
    backup = _ndjson(tmp_path / "backup.ndjson", [*BACKUP, bad])
    edited = _ndjson(tmp_path / "edited.ndjson", [*_edited(), copy.deepcopy(bad)])
    res = lint([edited], LintOptions(backup=backup, config={}))
    assert res.errors == 0 and res.files[0].unchanged == 3
    assert lint([edited], LintOptions(config={})).errors > 0  # without a backup every user is judged
    out = tmp_path / "chunks"
    assert emit(edited, out, EmitOptions(backup=backup, config={})).manifest["unchanged"] == 3


def test_predicate() -> None:
    t = {"email": "a@x.io", "email_verified": True, "user_metadata": {"a": 1, "b": 2}, "given_name": "A"}
    assert not upsert_changes({"email": "a@x.io", "email_verified": True}, t)  # fields absent stay as they are
    assert upsert_changes({"email": "a@x.io"}, t)  # email_verified reset
    assert upsert_changes({"email": "a@x.io", "email_verified": True, "user_metadata": {"a": 1}}, t)  # b erased
    assert upsert_changes({"email": "a@x.io", "email_verified": True, "nickname": "x"}, t)
    assert upsert_changes({"email": "a@x.io", "email_verified": 1}, t)  # 1 is not true in JSON
    assert upsert_changes({"email": "a@x.io"}, None)
