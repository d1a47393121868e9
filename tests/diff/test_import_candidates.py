"""An import file or an emit folder carries only the fields the import will set.

An upsert leaves a top-level field the file does not carry as it is in the tenant, so
its absence is no change (and an absent `blocked` no forbidden one); a metadata object
that is there replaces the tenant's whole and is compared whole. An export-shaped
candidate (NDJSON, a JSON array with export-only fields) is a full copy: there, an
absent field really is removed.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from bulkedit import fields
from bulkedit.cli.app import main
from bulkedit.diff import diff
from bulkedit.io import jsonio
from bulkedit.io.read import read_users
from tests.diff.conftest import EXPORT, write_ndjson


def _users() -> list[dict[str, Any]]:
    return read_users(EXPORT)


def _target() -> tuple[int, dict[str, Any]]:
    """A database user with blocked, picture, names and both metadata objects."""
    for n, u in enumerate(_users()):
        if u["user_id"].startswith("auth0|") and {"blocked", "picture", "family_name", "app_metadata", "user_metadata"} <= set(u):
            return n, u
    raise AssertionError("no such user in the fixture")


def _import_user(u: dict[str, Any], *keep: str) -> dict[str, Any]:
    # email_verified kept, as emit keeps it: an import without it resets a verified user
    out = {k: copy.deepcopy(u[k]) for k in ("email", "user_id", "email_verified", *keep) if k in u}
    out["user_id"] = out["user_id"].split("|", 1)[1]
    return out


def test_import_file_with_a_few_fields_changes_only_what_it_sets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """audit c finding 6 (imp_partial.json): only given_name changes; no false `blocked` or metadata removal."""
    _, u = _target()
    imp = _import_user(u, "user_metadata")
    imp["given_name"] = "NewName"
    cand = tmp_path / "import.json"
    cand.write_bytes(jsonio.dumps([imp]))
    result = diff(EXPORT, cand)
    (changed,) = result.changed_users
    assert [(c.path, c.new, c.cls) for c in changed.changes] == [("given_name", "NewName", "ordinary")]
    assert not result.gate.failed
    rc = main(["diff", str(EXPORT), str(cand)])
    out = capsys.readouterr().out
    assert rc == 0 and "(absent)" not in out and "PASS" in out


def test_metadata_present_in_an_import_file_is_compared_whole(tmp_path: Path) -> None:
    _, u = _target()
    imp = _import_user(u)
    imp["user_metadata"] = {"only": "this"}  # replaces the tenant's object: every other key is erased
    cand = tmp_path / "import.json"
    cand.write_bytes(jsonio.dumps([imp]))
    (changed,) = diff(EXPORT, cand).changed_users
    got = {c.path: c.cls for c in changed.changes}
    assert got["user_metadata.only"] == "ordinary"
    assert {p for p, cls in got.items() if cls == "risky"} == {f"user_metadata.{k}" for k in u["user_metadata"]}
    assert not any(p.startswith("app_metadata") for p in got)  # absent: left as it is


def test_blocked_set_in_an_import_file_is_still_forbidden(tmp_path: Path) -> None:
    _, u = _target()
    imp = _import_user(u)
    imp["blocked"] = not u["blocked"]
    cand = tmp_path / "import.json"
    cand.write_bytes(jsonio.dumps([imp]))
    result = diff(EXPORT, cand)
    (changed,) = result.changed_users
    assert [(c.path, c.cls) for c in changed.changes] == [("blocked", "forbidden")]
    assert result.gate.failed


def test_emit_folder_without_some_fields(tmp_path: Path) -> None:
    """An emit folder made from a CSV that had no picture or blocked column: nothing is removed but what it replaces."""
    n, u = _target()
    users = [x for x in _users() if x["user_id"].startswith("auth0|")]
    folder = tmp_path / "chunks"
    chunks = []
    by_conn: dict[str, list[dict[str, Any]]] = {}
    for x in users:
        shaped = {k: v for k, v in x.items() if k in fields.IMPORT_FIELDS and k not in ("picture", "blocked", "app_metadata")}
        shaped["user_id"] = shaped["user_id"].split("|", 1)[1]
        if x["user_id"] == u["user_id"]:
            shaped["user_metadata"] = {"prefs": {"lang": "xx"}}  # a partial object: it replaces the tenant's
        by_conn.setdefault(fields.user_connection(x) or "", []).append(shaped)
    for conn, group in by_conn.items():
        (folder / conn).mkdir(parents=True)
        (folder / conn / "chunk-0001.json").write_bytes(jsonio.dumps(group))
        chunks.append({"file": f"{conn}/chunk-0001.json", "connection": conn, "users": len(group)})
    (folder / "manifest.json").write_text(json.dumps({"chunks": chunks}))
    result = diff(EXPORT, folder)
    assert not result.gate.failed, result.gate.reasons
    (changed,) = result.changed_users
    assert all(c.path.startswith("user_metadata") for c in changed.changes)
    assert result.counts.changed == 1


def test_export_shaped_candidates_still_report_an_absent_field(tmp_path: Path) -> None:
    """NDJSON, or a JSON array of export users: a full copy, where a missing field is a removal."""
    n, u = _target()
    users = _users()
    del users[n]["picture"]
    del users[n]["blocked"]
    for cand in (write_ndjson(tmp_path / "cand.ndjson", users), tmp_path / "cand.json"):
        if cand.suffix == ".json":
            cand.write_bytes(jsonio.dumps_pretty(users))
        result = diff(EXPORT, cand)
        (changed,) = result.changed_users
        assert {(c.path, c.change) for c in changed.changes} == {("picture", "removed"), ("blocked", "removed")}
        assert result.gate.failed  # blocked removed from a full copy


def test_users_an_import_file_does_not_name_are_not_removed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An import file names the users it sets; an import removes nobody."""
    _, u = _target()
    imp = _import_user(u)
    imp["given_name"] = "NewName"
    cand = tmp_path / "import.json"
    cand.write_bytes(jsonio.dumps([imp]))
    result = diff(EXPORT, cand)
    c = result.counts
    assert (c.changed, c.removed, c.not_in_file) == (1, 0, c.backup_users - 1)
    assert not any(x.status == "removed" for x in result.users)
    assert main(["diff", str(EXPORT), str(cand), "--fail-on-change"]) == 1  # the one change still counts
    out = capsys.readouterr().out
    assert f"{c.backup_users - 1:,} not in the import file" in out and " 0 removed" in out
    # an export-shaped candidate that lacks users still shows them removed
    users = _users()
    shorter = tmp_path / "short.ndjson"
    write_ndjson(shorter, users[1:])
    assert diff(EXPORT, shorter).counts.removed == 1
