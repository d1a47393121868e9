"""`emit` end to end: layout, manifest, modes, refusals, rollback."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from bulkedit.cli.app import main
from bulkedit.emit.emit import EmitOptions, EmitRefused, emit
from bulkedit.errors import UsageError
from bulkedit.importfile.convert import to_import_user
from bulkedit.io import jsonio
from bulkedit.io.read import read_users

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "export.json.gz"
BCRYPT = "$2b$10$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234"


def _ndjson(path: Path, users: list[dict]) -> Path:
    path.write_text("".join(json.dumps(u, ensure_ascii=False) + "\n" for u in users), encoding="utf-8")
    return path


def _db(uid: str, email: str, conn: str = "db", **extra) -> dict:
    return {"user_id": f"auth0|{uid}", "email": email, "identities": [{"provider": "auth0", "connection": conn}],
            "created_at": "2020-01-01T00:00:00.000Z", **extra}


def test_fixture_layout_and_manifest(tmp_path):
    out = tmp_path / "chunks"
    res = emit(FIXTURE, out, EmitOptions(config={}))
    m = json.loads((out / "manifest.json").read_text())
    assert m == json.loads(json.dumps(res.manifest))
    assert set(m) >= {"bulkedit_version", "source", "backup", "options", "chunks", "rollback", "left_out", "dropped_fields", "users"}
    assert m["source"]["sha256"] == hashlib.sha256(FIXTURE.read_bytes()).hexdigest()
    assert m["source"]["format"] == "ndjson"
    assert m["options"]["max_bytes"] == 480_000
    assert m["backup"] is None and m["rollback"] == []
    assert m["users"] == 50 and sum(c["users"] for c in m["chunks"]) == 50
    assert {c["file"] for c in m["chunks"]} == {"Username-Password-Authentication/chunk-0001.json", "legacy-db/chunk-0001.json"}
    assert [u["user_id"] for u in m["left_out"]] == ["google-oauth2|279063017384560454871", "google-oauth2|182429664965970286863"]
    assert m["dropped_fields"]["identities"] == 50
    seen = []
    for c in m["chunks"]:
        data = (out / c["file"]).read_bytes()
        assert len(data) == c["bytes"] and hashlib.sha256(data).hexdigest() == c["sha256"]
        users = json.loads(data)
        assert len(users) == c["users"]
        for u in users:
            assert not u["user_id"].startswith("auth0|")
            assert "identities" not in u and "created_at" not in u
        seen += [u["email"] for u in users]
    source = read_users(FIXTURE)
    assert sorted(seen) == sorted(u["email"] for u in source if u["user_id"].startswith("auth0|"))
    # each written user is exactly to_import_user's conversion (values, big integers, key order)
    by_email = {u["email"]: u for u in source}
    for c in m["chunks"]:
        for u in read_users(out / c["file"]):
            assert jsonio.dumps(u) == jsonio.dumps(to_import_user(by_email[u["email"]]).user)


def test_small_max_bytes_gives_many_tight_chunks(tmp_path):
    out = tmp_path / "o"
    res = emit(FIXTURE, out, EmitOptions(max_bytes=4000, config={}))
    assert len(res.chunks) > 4
    for c in res.chunks:
        assert c["bytes"] <= 4000
    again = emit(FIXTURE, tmp_path / "o2", EmitOptions(max_bytes=4000, config={}))
    assert [c["sha256"] for c in again.chunks] == [c["sha256"] for c in res.chunks]  # deterministic


def test_import_file_needs_connection(tmp_path, capsys):
    f = tmp_path / "import.json"
    f.write_text('[{"email": "a@x.io", "user_id": "abc"}]')
    assert main(["emit", str(f), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--connection" in err and f"{f}:1" in err
    assert not (tmp_path / "o").exists()
    assert main(["emit", str(f), "-o", str(tmp_path / "o"), "--connection", "my db"]) == 0
    chunk = tmp_path / "o" / "my_db" / "chunk-0001.json"
    assert chunk.read_bytes() == b'[{"email": "a@x.io", "user_id": "abc"}]'  # passes through unchanged, byte for byte
    m = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert m["chunks"][0]["connection"] == "my db"


def test_refuses_lint_errors_and_writes_nothing(tmp_path, capsys):
    src = _ndjson(tmp_path / "e.ndjson", [_db("1", "a@x.io"), _db("2", "not-an-email")])
    out = tmp_path / "o"
    with pytest.raises(EmitRefused):
        emit(src, out, EmitOptions(config={}))
    assert not out.exists()
    assert main(["emit", str(src), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{src}:2: BE301" in err and "nothing was written" in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_refuses_non_empty_outdir_without_force(tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    assert main(["emit", str(FIXTURE), "-o", str(out)]) == 1  # cli.md: a refused output exits 1
    assert "not empty" in capsys.readouterr().err
    assert (out / "keep.txt").exists()
    assert main(["emit", str(FIXTURE), "-o", str(out), "--force"]) == 0
    assert not (out / "keep.txt").exists() and (out / "manifest.json").exists()


def test_hash_chunks_are_private(tmp_path):
    src = _ndjson(tmp_path / "h.ndjson", [_db("1", "a@x.io", "db1", password_hash=BCRYPT), _db("2", "b@x.io", "db2")])
    out = tmp_path / "o"
    res = emit(src, out, EmitOptions(config={}))
    modes = {c["file"]: stat.S_IMODE(os.stat(out / c["file"]).st_mode) for c in res.chunks}
    assert modes["db1/chunk-0001.json"] == 0o600
    assert modes["db2/chunk-0001.json"] != 0o600
    assert res.manifest["private_files"] == ["db1/chunk-0001.json"]


def test_user_too_large_for_max_bytes(tmp_path, capsys):
    src = _ndjson(tmp_path / "big.ndjson", [_db("1", "a@x.io", user_metadata={"blob": "x" * 3000})])
    assert main(["emit", str(src), "-o", str(tmp_path / "o"), "--max-bytes", "2000"]) == 1
    assert f"{src}:1" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_rollback_restores_backup_values_and_notes_what_it_cannot(tmp_path, capsys):
    backup = _ndjson(tmp_path / "backup.ndjson", [
        _db("1", "a@x.io", email_verified=True, family_name="Old", user_metadata={"a": 1, "b": {"c": 2}}),
        _db("2", "b@x.io", nickname="same"),
        _db("3", "c@x.io"),
    ])
    edited = _ndjson(tmp_path / "edited.ndjson", [
        _db("1", "a@x.io", email_verified=True, family_name="New", user_metadata={"a": 2, "b": {"c": 2}}),
        _db("2", "b@x.io", nickname="same"),
        _db("3", "c@x.io", given_name="Added", custom_password_hash={"algorithm": "md5", "hash": {"value": "abcd", "encoding": "hex"}}),
        _db("4", "d@x.io"),
    ])
    out = tmp_path / "o"
    assert main(["emit", str(edited), "-o", str(out), "--backup", str(backup)]) == 0
    err = capsys.readouterr().err
    m = json.loads((out / "manifest.json").read_text())
    assert m["backup"]["sha256"] == hashlib.sha256(backup.read_bytes()).hexdigest()
    assert [c["file"] for c in m["rollback"]] == ["rollback/db/chunk-0001.json"]
    rb = json.loads((out / "rollback" / "db" / "chunk-0001.json").read_text())
    assert rb == [{"email": "a@x.io", "user_id": "1", "email_verified": True, "family_name": "Old",
                   "user_metadata": {"a": 1, "b": {"c": 2}}}]
    notes = {(n["user_id"], n["field"]) for n in m["rollback_cannot_undo"]}
    assert notes == {("3", "given_name"), ("3", "custom_password_hash")}
    assert "a rollback cannot undo 2 change(s)" in err


def test_overwriting_the_input_is_refused(tmp_path):
    with pytest.raises(UsageError):
        emit(FIXTURE, FIXTURE, EmitOptions(config={}))
