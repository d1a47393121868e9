"""Keyed matching, candidates of every kind (files, sheets, emit folders), gates and error messages."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

from bulkedit import fields
from bulkedit.cli.app import main
from bulkedit.diff import DiffOptions, diff
from bulkedit.io import jsonio
from bulkedit.io.read import read_users
from tests.diff.conftest import EXPORT, edit_csv_cell, write_ndjson


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    rc = main(["diff", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def _users() -> list[dict[str, Any]]:
    return read_users(EXPORT)


def _import_shape(user: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in user.items() if k in fields.IMPORT_FIELDS}
    if out["user_id"].startswith("auth0|"):
        out["user_id"] = out["user_id"][len("auth0|") :]
    return out


def _emit_folder(root: Path, users: list[dict[str, Any]], *, per_chunk: int = 7, rollback: bool = True) -> Path:
    """An `emit`-shaped folder: manifest.json, <connection>/chunk-NNNN.json arrays of import users, rollback/."""
    by_conn: dict[str, list[dict[str, Any]]] = {}
    for u in users:
        conn = fields.user_connection(u)
        if not u["user_id"].startswith("auth0|"):
            continue  # social users are left out of chunks
        by_conn.setdefault(conn, []).append(u)
    chunks = []
    for conn, group in by_conn.items():
        for n, start in enumerate(range(0, len(group), per_chunk), 1):
            rel = f"{conn}/chunk-{n:04d}.json"
            (root / conn).mkdir(parents=True, exist_ok=True)
            part = [_import_shape(u) for u in group[start : start + per_chunk]]
            (root / rel).write_bytes(jsonio.dumps(part))
            chunks.append({"file": rel, "connection": conn, "users": len(part)})
    rollbacks = []
    if rollback:
        (root / "rollback" / "legacy-db").mkdir(parents=True)
        (root / "rollback" / "legacy-db" / "chunk-0001.json").write_text('[{"email": "should-not-be-read@example.com"}]')
        rollbacks.append({"file": "rollback/legacy-db/chunk-0001.json", "connection": "legacy-db", "users": 1})
    (root / "manifest.json").write_text(json.dumps({"chunks": chunks, "rollback": rollbacks}))
    return root


# -- matching -------------------------------------------------------------------------


def test_identical_files_in_any_order_and_format_are_unchanged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    users = _users()
    shuffled = users[:]
    random.Random(3).shuffle(shuffled)
    cand = tmp_path / "shuffled.json"
    cand.write_bytes(jsonio.dumps_pretty(shuffled))  # a JSON array, re-encoded: no raw bytes to compare
    rc, out, _ = _run(capsys, str(EXPORT), str(cand), "--fail-on-change")
    assert rc == 0, out
    assert "0 changed, 0 added, 0 removed, 52 unchanged" in out
    assert "PASS" in out


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_sheet_round_trip_is_unchanged(tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str) -> None:
    sheet = tmp_path / f"users{suffix}"
    assert main(["convert", str(EXPORT), "-o", str(sheet)]) == 0
    rc, out, _ = _run(capsys, str(EXPORT), str(sheet), "--fail-on-change")
    assert rc == 0, out
    assert "52 unchanged" in out


def test_sheet_edit_shows_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "users.csv"
    assert main(["convert", str(EXPORT), "-o", str(sheet)]) == 0
    capsys.readouterr()
    old = edit_csv_cell(sheet, 3, "given_name", "Zoltán")
    result = diff(EXPORT, sheet)
    assert result.counts.changed == 1
    (u,) = result.changed_users
    assert [(c.path, c.old, c.new) for c in u.changes] == [("given_name", old, "Zoltán")]
    assert u.candidate_at == f"{sheet}:4"


def test_prefix_aware_user_id(tmp_path: Path) -> None:
    users = _users()
    db = [u for u in users if u["user_id"].startswith("auth0|")]
    plain = [_import_shape(u) for u in db]
    plain[1]["user_metadata"] = {"tier": "gold"}
    cand = write_ndjson(tmp_path / "import.ndjson", plain)
    result = diff(EXPORT, cand)
    c = result.counts
    assert (c.changed, c.added, c.removed, c.unchanged) == (1, 0, 2, 49)  # the 2 social users are not in an import file
    (u,) = result.changed_users
    assert u.key == db[1]["user_id"]
    assert {ch.path for ch in u.changes} == {f"user_metadata.{k}" for k in db[1]["user_metadata"]} | {"user_metadata.tier"}
    # the same the other way round: the import file as backup, the export as candidate
    back = diff(cand, EXPORT)
    assert (back.counts.changed, back.counts.added, back.counts.removed) == (1, 2, 0)


def test_key_email_is_case_insensitive_and_keeps_connections_apart(tmp_path: Path) -> None:
    users = _users()
    cand = copy.deepcopy(users)
    cand.reverse()
    # the fixture holds one email twice (two connections, different case): edit the second one only
    emails = [u["email"].lower() for u in users]
    dup = next(e for e in emails if emails.count(e) > 1)
    first, second = [n for n, e in enumerate(emails) if e == dup]
    cand[len(users) - 1 - second]["user_metadata"]["prefs"]["lang"] = "xx"
    cand[len(users) - 1 - 20]["email"] = users[20]["email"].upper()
    result = diff(EXPORT, write_ndjson(tmp_path / "rev.ndjson", cand), DiffOptions(key="email"))
    c = result.counts
    assert (c.changed, c.added, c.removed, c.unchanged) == (2, 0, 0, 50)
    by_at = {u.backup_at: u for u in result.changed_users}
    assert [ch.path for ch in by_at[f"{EXPORT}:{second + 1}"].changes] == ["user_metadata.prefs.lang"]
    assert by_at[f"{EXPORT}:{second + 1}"].key == dup
    email_change = by_at[f"{EXPORT}:21"].changes
    assert [(ch.path, ch.cls) for ch in email_change] == [("email", "forbidden")]


def test_key_email_ambiguous_without_connection_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = write_ndjson(tmp_path / "plain.ndjson", [_import_shape(u) for u in _users() if u["user_id"].startswith("auth0|")])
    rc, out, err = _run(capsys, str(EXPORT), str(plain), "--key", "email")
    assert rc == 2 and out == ""
    assert "plain.ndjson:" in err and "several connections" in err and "--key user_id" in err


# -- emit folders ----------------------------------------------------------------------


def test_emit_folder_compares_import_fields_and_connection(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    users = _users()
    edited = copy.deepcopy(users)
    edited[1]["user_metadata"]["prefs"]["lang"] = "fr"
    edited[2]["identities"][0]["connection"] = "legacy-db" if fields.user_connection(users[2]) != "legacy-db" else "Username-Password-Authentication"
    folder = _emit_folder(tmp_path / "chunks", edited)
    result = diff(EXPORT, folder)
    c = result.counts
    assert result.candidate_kind == "emit folder"
    # the two users missing from the chunks are not removed by an import: only not in it
    assert (c.candidate_users, c.changed, c.added, c.removed, c.unchanged, c.not_in_file) == (50, 2, 0, 0, 48, 2)
    changes = {ch.path: ch for u in result.changed_users for ch in u.changes}
    assert set(changes) == {"user_metadata.prefs.lang", "identities[0].connection"}  # created_at etc. are not "removed"
    assert changes["identities[0].connection"].cls == "forbidden"
    assert {u.candidate_at.split(":")[0].split("/chunks/")[1] for u in result.changed_users} <= {
        "Username-Password-Authentication/chunk-0001.json",
        "legacy-db/chunk-0001.json",
    }
    rc, out, err = _run(capsys, str(EXPORT), str(folder))
    assert rc == 1 and "should-not-be-read" not in out
    assert "forbidden" in err


def test_folder_without_manifest_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    rc, out, err = _run(capsys, str(EXPORT), str(tmp_path / "empty"))
    assert rc == 2 and out == ""
    assert "manifest.json" in err and "Traceback" not in err


def test_manifest_naming_a_missing_chunk_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _emit_folder(tmp_path / "chunks", _users())
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / manifest["chunks"][0]["file"]).unlink()
    rc, _, err = _run(capsys, str(EXPORT), str(folder))
    assert rc == 2 and "missing" in err and "manifest.json" in err


# -- gates -------------------------------------------------------------------------------


def _one_ordinary_edit(tmp_path: Path) -> Path:
    users = _users()
    users[5]["given_name"] = "Renée"
    users[6]["app_metadata"]["plan"] = "free"
    return write_ndjson(tmp_path / "ok.ndjson", users)


@pytest.mark.parametrize(
    ("flags", "rc"),
    [
        ([], 0),
        (["--fail-on-change"], 1),
        (["--max-changed", "2"], 0),
        (["--max-changed", "1"], 1),
        (["--max-changed", "4%"], 0),  # 4% of 52 = 2.08
        (["--max-changed", "3%"], 1),  # 1.56
        (["--max-changed", "0"], 1),
        (["--max-changed", "lots"], 2),
        (["--max-changed", "120%"], 2),
        (["--key", "phone"], 2),
    ],
)
def test_gates(tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], rc: int) -> None:
    cand = _one_ordinary_edit(tmp_path)
    got, out, err = _run(capsys, str(EXPORT), str(cand), *flags)
    assert got == rc, err
    if rc == 1:
        assert "FAIL:" in out and "bulkedit: diff:" in err
    if rc == 2:
        assert out == "" and "Traceback" not in err


def test_forbidden_change_fails_even_without_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    users = _users()
    users[7]["blocked"] = True
    rc, out, err = _run(capsys, str(EXPORT), str(write_ndjson(tmp_path / "b.ndjson", users)), "--format", "json")
    assert rc == 1
    data = json.loads(out)
    assert data["gate"]["failed"] and data["classes"]["forbidden"] == {"users": 1, "changes": 1}
    assert "blocked" in err


# -- input errors ----------------------------------------------------------------------------


def test_duplicate_user_id_in_backup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    users = _users()
    backup = write_ndjson(tmp_path / "dup.ndjson", users + [users[3]])
    rc, out, err = _run(capsys, str(backup), str(EXPORT))
    assert rc == 2 and out == ""
    assert f"{backup}:53:" in err and "appears twice" in err and f"{backup}:4" in err


def test_duplicate_user_in_candidate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    users = _users()
    cand = write_ndjson(tmp_path / "dup.ndjson", users + [users[3]])
    rc, _, err = _run(capsys, str(EXPORT), str(cand))
    assert rc == 2 and f"{cand}:53:" in err and "twice in the candidate" in err


def test_user_without_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    users = _users()
    del users[9]["user_id"]
    cand = write_ndjson(tmp_path / "nokey.ndjson", users)
    rc, _, err = _run(capsys, str(EXPORT), str(cand))
    assert rc == 2 and f"{cand}:10:" in err and "no user_id" in err and "--key email" in err


def test_missing_or_malformed_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = _run(capsys, str(EXPORT), str(tmp_path / "nope.ndjson"))
    assert rc == 2 and out == ""
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"user_id": "auth0|1", "email": "a@x.io"}\n{"user_id": \n')
    rc, out, err = _run(capsys, str(EXPORT), str(bad), "-o", str(tmp_path / "r.txt"))
    assert rc == 2 and f"{bad}:2:" in err
    assert not (tmp_path / "r.txt").exists()


def test_report_cannot_overwrite_an_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cand = _one_ordinary_edit(tmp_path)
    before = cand.read_bytes()
    rc, _, err = _run(capsys, str(EXPORT), str(cand), "-o", str(cand))
    assert rc == 2 and "input" in err
    assert cand.read_bytes() == before


# -- the identical-line fast path (NDJSON vs NDJSON) agrees with the keyed path -----------------


def test_fast_path_equals_keyed_path(workdir: Path) -> None:
    edited = read_users(workdir / "edited.ndjson")
    (workdir / "edited.json").write_bytes(jsonio.dumps_pretty(edited))  # a JSON array: every user parsed and keyed
    fast = diff("backup.json.gz", "edited.ndjson").to_dict()
    keyed = diff("backup.json.gz", "edited.json").to_dict()
    for d in (fast, keyed):
        d.pop("candidate")
        for u in d["users"]:
            u.pop("candidate_at")
    assert fast == keyed


def test_line_endings_bom_and_blank_lines_do_not_count(tmp_path: Path) -> None:
    users = _users()
    body = b"\r\n".join(jsonio.dumps(u) for u in users)
    cand = tmp_path / "crlf.ndjson"
    cand.write_bytes(b"\xef\xbb\xbf" + body.replace(b"\r\n", b"\r\n\r\n", 3) + b"\r\n\n")
    result = diff(EXPORT, cand)
    assert (result.counts.unchanged, result.counts.differing) == (52, 0)


def test_identical_line_twice_in_candidate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    users = _users()
    cand = write_ndjson(tmp_path / "twice.ndjson", users[:10] + [users[4]] + users[10:])
    rc, _, err = _run(capsys, str(EXPORT), str(cand))
    assert rc == 2 and f"{cand}:11:" in err and users[4]["user_id"] in err and "twice in the candidate" in err


def test_same_user_twice_in_candidate_once_unchanged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    users = _users()
    other = copy.deepcopy(users[4])
    other["given_name"] = "Twin"
    cand = write_ndjson(tmp_path / "twins.ndjson", users + [other])
    rc, _, err = _run(capsys, str(EXPORT), str(cand))
    assert rc == 2 and f"{cand}:53:" in err and "twice in the candidate" in err


def test_real_emit_folder_round_trip(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`bulkedit emit` output read back: only the edits show; social users are 'left out', not 'removed'."""
    from bulkedit.cli.app import app

    if not any(getattr(c, "name", None) == "emit" for c in app.registered_commands):
        pytest.skip("the emit command is not registered in this checkout")
    users = _users()
    users[1]["user_metadata"]["prefs"]["lang"] = "fr"
    users[3]["given_name"] = "Renée"
    write_ndjson(workdir / "small-edit.ndjson", users)
    assert main(["emit", "small-edit.ndjson", "-o", "chunks", "--backup", "backup.json.gz"]) == 0
    capsys.readouterr()
    assert (workdir / "chunks" / "rollback").is_dir()
    rc, out, _ = _run(capsys, "backup.json.gz", "chunks", "--format", "json")
    assert rc == 0
    d = json.loads(out)
    assert d["candidate_kind"] == "emit folder"
    assert {k: d["counts"][k] for k in ("changed", "added", "removed", "left_out")} == {"changed": 2, "added": 0, "removed": 0, "left_out": 2}
    paths = sorted(ch["path"] for u in d["users"] for ch in u["changes"])
    assert paths == ["given_name", "user_metadata.prefs.lang"]
    left = [u for u in d["users"] if u["status"] == "left_out"]
    assert all(u["key"].startswith("google-oauth2|") and "cannot be imported" in u["note"] for u in left)
    rc, out, _ = _run(capsys, "backup.json.gz", "chunks", "--fail-on-change")
    assert rc == 1 and "2 left out by emit" in out


# -- real export files in other shapes: compared on the columns they have ------------------------

FIXTURES = EXPORT.parent


@pytest.mark.parametrize("name", ["export.json", "export.csv.gz", "export-dashboard.csv", "export-extension.tsv"])
def test_other_exports_of_the_same_users_are_unchanged(name: str) -> None:
    """A CSV export carries only some fields: a field without a column is not in the file, not removed."""
    result = diff(EXPORT, FIXTURES / name)
    c = result.counts
    assert (c.changed, c.added, c.removed, c.unchanged) == (0, 0, 0, 52), [u.to_dict() for u in result.users[:3]]


def test_auth0_escaped_csv_edit(tmp_path: Path) -> None:
    import gzip

    with gzip.open(FIXTURES / "export.csv.gz", "rt", encoding="utf-8", newline="") as f:
        text = f.read()
    assert "\"'Zoë\"" in text
    edited = tmp_path / "edited.csv"
    edited.write_text(text.replace("\"'Zoë\",", "\"'Zoé\",", 1), encoding="utf-8", newline="")
    result = diff(EXPORT, edited)
    assert result.counts.changed == 1
    (u,) = result.changed_users
    assert [(c.path, c.old, c.new, c.cls) for c in u.changes] == [("given_name", "Zoë", "Zoé", "ordinary")]
    assert u.candidate_at == f"{edited}:2"


def test_diff_of_a_real_edit_equals_the_plan(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """diff(backup, edit(backup, plan)) lists exactly what the plan changes."""
    from bulkedit.cli.app import app

    if not any(getattr(c, "name", None) == "edit" for c in app.registered_commands):
        pytest.skip("the edit command is not registered in this checkout")
    (workdir / "plan.yaml").write_text(
        "edits:\n"
        "  - where: {app_metadata.plan: {in: [free, trial]}}\n"
        "    set: {user_metadata.tier: basic}\n"
        "  - where: {email: user1.3035@example.org}\n"
        "    set: {family_name: Smith}\n"
        "    unset: [user_metadata.company]\n",
        encoding="utf-8",
    )
    assert main(["edit", "backup.json.gz", "--plan", "plan.yaml", "-o", "planned.ndjson"]) == 0
    capsys.readouterr()
    expected: dict[str, set[str]] = {}
    for u in _users():
        if u.get("app_metadata", {}).get("plan") in ("free", "trial"):
            expected.setdefault(u["user_id"], set()).add("user_metadata.tier" if "user_metadata" in u else "user_metadata")
        if u["email"] == "user1.3035@example.org":
            expected.setdefault(u["user_id"], set()).update({"family_name", "user_metadata.company"})
    result = diff("backup.json.gz", "planned.ndjson")
    got = {u.key: {c.path for c in u.changes} for u in result.changed_users}
    assert got == expected
    assert (result.counts.added, result.counts.removed) == (0, 0)
    assert not result.gate.failed


@pytest.mark.parametrize("candidate", ["edited.ndjson", "edited.json"])
def test_progress_reaches_the_input_size(workdir: Path, candidate: str) -> None:
    from bulkedit.diff import input_size

    (workdir / "edited.json").write_bytes(jsonio.dumps_pretty(read_users(workdir / "edited.ndjson")))
    seen: list[int] = []
    diff("backup.json.gz", candidate, progress=seen.append)
    total = input_size("backup.json.gz", candidate)
    assert seen and all(0 <= n <= total for n in seen) and seen == sorted(seen)


def test_report_folder_must_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = _run(capsys, str(EXPORT), str(EXPORT), "-o", str(tmp_path / "no" / "report.html"))
    assert rc == 2 and out == "" and "does not exist" in err


def test_sheet_with_some_columns_edited_in_a_spreadsheet_app(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A sheet of a few columns, one cell changed by a spreadsheet program (openpyxl here): one change."""
    import openpyxl

    sheet = tmp_path / "few.xlsx"
    if main(["convert", str(EXPORT), "-o", str(sheet), "--columns", "given_name,user_metadata.prefs.lang"]) != 0:
        pytest.skip("convert --columns is not available in this checkout")
    capsys.readouterr()
    wb = openpyxl.load_workbook(sheet)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    col = header.index("user_metadata.prefs.lang") + 1
    old = ws.cell(row=4, column=col).value
    ws.cell(row=4, column=col).value = "fr" if old != "fr" else "de"
    wb.save(sheet)
    result = diff(EXPORT, sheet)
    assert (result.counts.changed, result.counts.unchanged) == (1, 51)
    (u,) = result.changed_users
    assert [(c.path, c.old) for c in u.changes] == [("user_metadata.prefs.lang", old)]
    assert u.candidate_at == f"{sheet}:4"


def test_a_line_without_end_is_named_not_held(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from bulkedit.io.read import stream

    users = _users()[:3]
    backup = write_ndjson(tmp_path / "b.ndjson", users)
    cand = tmp_path / "c.ndjson"
    cand.write_bytes(json.dumps(users[0]).encode() + b"\n" + b"\r".join(json.dumps(u).encode() for u in users[1:]))
    monkeypatch.setattr(stream, "BLOCK", 256)
    monkeypatch.setattr(stream, "MAX_LINE", 2000)  # above one fixture user, below two
    rc, _, err = _run(capsys, str(backup), str(cand))
    assert rc == 2
    assert "c.ndjson:2" in err and "no line end" in err and "Traceback" not in err
