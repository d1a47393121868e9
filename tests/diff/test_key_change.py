"""A changed match key is a forbidden change, not one user removed and another added.

Upsert matches on email and never changes a user_id, so the gate must see these
changes whichever key the users were matched by: unmatched removed and added users are
paired through the other identity.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from bulkedit import fields
from bulkedit.cli.app import main
from bulkedit.diff import DiffOptions, diff
from bulkedit.io import jsonio
from bulkedit.io.read import read_users
from tests.diff.conftest import EXPORT, edit_csv_cell, write_ndjson

FORMATS = ("text", "json", "markdown", "html")


def _users() -> list[dict[str, Any]]:
    return read_users(EXPORT)


def _db_index(users: list[dict[str, Any]], conn: str | None = None) -> int:
    """A database user whose email is in no other user."""
    emails = [u["email"].lower() for u in users]
    return next(
        n
        for n, u in enumerate(users)
        if u["user_id"].startswith("auth0|") and emails.count(u["email"].lower()) == 1 and conn in (None, fields.user_connection(u))
    )


KEY_EDITS = {
    # --key: (the field changed, its new value, the key shown for the user, the other identity that pairs them)
    "email": ("email", "new.person@example.com", "paired by user_id"),
    "user_id": ("user_id", "auth0|zzz", "paired by email"),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("key", list(KEY_EDITS))
def test_changed_key_fails_the_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, fmt: str) -> None:
    field, new, note = KEY_EDITS[key]
    users = _users()
    n = _db_index(users)
    old = users[n][field]
    users[n][field] = new
    cand = write_ndjson(tmp_path / "cand.ndjson", users)
    rc = main(["diff", str(EXPORT), str(cand), "--key", key, "--format", fmt, "--limit", "0"])
    out, err = capsys.readouterr()
    assert rc == 1, out
    assert f"forbidden change(s) in 1 user(s): {field}" in err
    assert (new.replace("|", "\\|") if fmt == "markdown" else new) in out
    if fmt == "json":
        d = json.loads(out)
        assert (d["counts"]["changed"], d["counts"]["added"], d["counts"]["removed"]) == (1, 0, 0)
        (u,) = d["users"]
        assert [(c["path"], c["old"], c["new"], c["class"]) for c in u["changes"]] == [(field, old, new, "forbidden")]
        assert u["key"] == (old.lower() if key == "email" else old) and note in u["note"]
    else:
        assert "FAIL" in out
    if fmt == "text":
        assert "1 changed, 0 added, 0 removed" in out and note in out


def test_key_change_with_other_edits_lists_them_all(tmp_path: Path) -> None:
    users = _users()
    n = _db_index(users)
    users[n]["user_id"] = "auth0|zzz"
    users[n]["given_name"] = "Other"
    result = diff(EXPORT, write_ndjson(tmp_path / "cand.ndjson", users))
    (u,) = result.users
    assert {(c.path, c.cls) for c in u.changes} == {("user_id", "forbidden"), ("given_name", "ordinary")}
    assert u.backup_at == f"{EXPORT}:{n + 1}" and u.candidate_at == f"{tmp_path / 'cand.ndjson'}:{n + 1}"


def test_import_file_with_a_changed_user_id(tmp_path: Path) -> None:
    """An import file names no connection: the email alone pairs them, when one removed user has it."""
    users = _users()
    n = _db_index(users)
    imp = {k: v for k, v in users[n].items() if k in fields.IMPORT_FIELDS}
    imp["user_id"] = "zzz"
    cand = tmp_path / "import.json"
    cand.write_bytes(jsonio.dumps([imp]))
    result = diff(EXPORT, cand)
    (u,) = result.changed_users
    assert [(c.path, c.old, c.new, c.cls) for c in u.changes] == [("user_id", users[n]["user_id"].split("|")[1], "zzz", "forbidden")]
    assert result.gate.failed


def test_same_email_in_another_connection_is_not_paired(tmp_path: Path) -> None:
    """Under --key user_id, a user removed from one connection and another added to a second one are two users."""
    users = _users()
    n = _db_index(users, "legacy-db")
    other = copy.deepcopy(users[n])
    other["user_id"] = "auth0|zzz"
    other["identities"][0]["connection"] = "Username-Password-Authentication"
    users[n] = other
    result = diff(EXPORT, write_ndjson(tmp_path / "cand.ndjson", users))
    c = result.counts
    assert (c.changed, c.added, c.removed) == (0, 1, 1)
    assert not result.gate.failed


def test_an_email_in_two_connections_is_paired_in_its_own(tmp_path: Path) -> None:
    """The fixture holds one email in two connections; a changed user_id pairs with the one in the same connection."""
    users = _users()
    emails = [u["email"].lower() for u in users]
    first, second = [n for n, e in enumerate(emails) if emails.count(e) > 1]
    users[second]["user_id"] = "auth0|zzz"
    result = diff(EXPORT, write_ndjson(tmp_path / "cand.ndjson", users))
    (u,) = result.users
    assert u.status == "changed" and u.backup_at == f"{EXPORT}:{second + 1}"
    # and without a connection to tell them apart, removed + added stay as they are (both removed here)
    users[first]["user_id"] = "auth0|yyy"
    for u2 in users:
        u2.pop("identities", None)
    both = diff(EXPORT, write_ndjson(tmp_path / "cand2.ndjson", users), DiffOptions())
    assert {u.status for u in both.users if u.email and u.email.lower() == emails[first]} == {"added", "removed"}


def test_pairing_on_the_keyed_path(tmp_path: Path) -> None:
    """A JSON array candidate takes the keyed path (no line matching): the same pairing."""
    users = _users()
    n = _db_index(users)
    users[n]["email"] = "new.person@example.com"
    cand = tmp_path / "cand.json"
    cand.write_bytes(jsonio.dumps_pretty(users))
    result = diff(EXPORT, cand, DiffOptions(key="email"))
    assert (result.counts.changed, result.counts.added, result.counts.removed) == (1, 0, 0)
    assert result.gate.failed


def test_sheet_with_an_edited_email_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "users.csv"
    assert main(["convert", str(EXPORT), "-o", str(sheet)]) == 0
    capsys.readouterr()
    edit_csv_cell(sheet, 2, "email", "edited.cell@example.com")
    rc = main(["diff", str(EXPORT), str(sheet), "--key", "email"])
    out, err = capsys.readouterr()
    assert rc == 1 and "forbidden change(s) in 1 user(s): email" in err
    assert "0 added, 0 removed" in out
