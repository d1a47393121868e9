"""DUPLICATED_USER told apart with the chunks, and a failed job's status_details shown (issue 14, item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulkedit.cli.app import main
from bulkedit.joberrors.analyse import explain

USERS = [
    {"user_id": "auth0|a1", "email": "ann@example.com", "identities": [{"connection": "db", "provider": "auth0"}]},
    {"user_id": "auth0|b2", "email": "bob@example.com", "identities": [{"connection": "db", "provider": "auth0"}]},
]


def _folder(tmp_path: Path, chunk_users: list[dict], upsert: bool | None) -> Path:
    folder = tmp_path / "chunks"
    (folder / "db").mkdir(parents=True)
    (folder / "db" / "chunk-0001.json").write_text("[" + ",\n".join(json.dumps(u) for u in chunk_users) + "]")
    entry = {"file": "db/chunk-0001.json", "connection": "db", "users": len(chunk_users)}
    if upsert is not None:
        entry["upsert"] = upsert
    (folder / "manifest.json").write_text(json.dumps({"chunks": [entry]}))
    return folder


def _explain(tmp_path: Path, chunk_users: list[dict], upsert: bool | None, message: str = "A user with this email was already provided."):
    tmp_path.mkdir(exist_ok=True)
    source = tmp_path / "edited.ndjson"
    source.write_text("".join(json.dumps(u) + "\n" for u in USERS))
    answer = tmp_path / "errors.json"
    sent = {"email": "ann@example.com", "user_id": "a1"}
    answer.write_text(json.dumps([{"user": sent, "errors": [{"code": "DUPLICATED_USER", "message": message, "path": ""}]}]))
    result = explain([answer], chunks=_folder(tmp_path, chunk_users, upsert), source=source, retry_dir=tmp_path / "retry")
    (failure,) = result.failures
    return failure


def test_twice_in_the_import_is_listed(tmp_path: Path) -> None:
    ann = {"email": "ann@example.com", "user_id": "a1"}
    f = _explain(tmp_path, [ann, {"email": "bob@example.com", "user_id": "b2"}, dict(ann, given_name="Ann")], upsert=True)
    assert f.decision == "listed" and "2 times in the import" in (f.reason or "")


def test_once_in_the_import_without_upsert_is_retried_with_upsert(tmp_path: Path) -> None:
    """Auth0's message reads like a duplicate in the file, but the chunks hold the user once."""
    f = _explain(tmp_path, [{"email": "ann@example.com", "user_id": "a1"}], upsert=False)
    assert f.decision == "retry-upsert"
    f = _explain(tmp_path / "old", [{"email": "ann@example.com", "user_id": "a1"}], upsert=None)  # an older manifest
    assert f.decision == "retry-upsert"


def test_once_in_the_import_with_upsert_is_the_migration_case(tmp_path: Path) -> None:
    f = _explain(tmp_path, [{"email": "ann@example.com", "user_id": "a1"}], upsert=True, message="The user already exist")
    assert f.decision == "listed"
    assert "automatic migration" in (f.reason or "") and "upsert does not help" in (f.reason or "")
    assert "DELETE /api/v2/connections/{id}/users" in (f.reason or "")


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_failed_job_shows_status_details(tmp_path: Path, capsys, fmt: str) -> None:
    status = {"status": "failed", "type": "users_import", "id": "job_abc", "connection_id": "con_0123456789abcdef",
              "status_details": "Failed to parse users file JSON when importing users."}
    answer = tmp_path / "status.json"
    answer.write_text(json.dumps(status))
    assert main(["errors", str(answer), "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        (a,) = json.loads(out)["answers"]
        out = a["description"]
    assert "Failed to parse users file JSON when importing users." in out
    assert "imported no user" in out
