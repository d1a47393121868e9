"""`bulkedit lint` end to end: exit codes, formats, folders, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bulkedit.cli.app import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "export.json.gz"


def test_clean_export_exits_0_with_info_findings(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert main(["lint", str(FIXTURE)]) == 0
    out = capsys.readouterr().out
    assert "BE001 emit drops export-only field identities (50 users)" in out
    assert "BE004 emit leaves this user out" in out
    assert out.strip().splitlines()[-1].startswith("52 users in 1 file: 0 error(s)")


def test_errors_exit_1(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "import.json"
    f.write_text('[{"email": "a@x.io", "user_id": "auth0|abc"}]')
    assert main(["lint", str(f)]) == 1
    assert f"{f}:1: BE102 " in capsys.readouterr().out


def test_two_files_duplicates_across(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["lint", str(FIXTURE), str(ROOT / "fixtures" / "export.json"), "--select", "BE2"]) == 1
    out = capsys.readouterr().out
    assert f"already appears at {FIXTURE}:1" in out


def test_missing_file_exit_2(tmp_path, capsys):
    assert main(["lint", str(tmp_path / "nope.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_malformed_file_exit_2_names_line(tmp_path, capsys):
    f = tmp_path / "bad.ndjson"
    f.write_text('{"email": "a@x.io"}\n{"email": \n')
    assert main(["lint", str(f)]) == 2
    assert f"{f}:2" in capsys.readouterr().err


def test_emit_folder_lints_its_chunks(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "chunks"
    assert main(["emit", str(FIXTURE), "-o", str(out), "--backup", str(FIXTURE), "--all-users"]) == 0
    capsys.readouterr()
    assert main(["lint", str(out), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["users"] == 50
    assert all(f["judged_as"] == "import" for f in data["files"])
    assert not any("rollback" in f["file"] for f in data["files"])
    assert set(data["rules"]) == {"BE302"}


def test_folder_holding_an_emit_folder_lints_its_chunks_not_its_manifest(tmp_path, capsys, monkeypatch):
    # a project folder with the export beside the emit output: the manifest is no user file
    monkeypatch.chdir(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    out = work / "chunks"
    assert main(["emit", str(FIXTURE), "-o", str(out), "--backup", str(FIXTURE), "--all-users"]) == 0
    (work / "notes.json").write_text('[{"email": "a@x.io", "connection": "Username-Password-Authentication"}]')
    capsys.readouterr()
    assert main(["lint", str(work), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    files = [f["file"] for f in data["files"]]
    assert files[-1].endswith("notes.json")
    assert all("/chunks/" in f and "rollback" not in f for f in files[:-1])
    assert data["users"] == 51


def test_chunk_files_given_alone_keep_their_connection(tmp_path, capsys, monkeypatch):
    # one user in two connections (same email): no duplicate, whether the folder, the
    # chunk files or the rollback folder is linted
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "two.ndjson"
    src.write_text(
        '{"email": "a@x.io", "user_id": "auth0|1", "identities": [{"provider": "auth0", "connection": "db1"}]}\n'
        '{"email": "a@x.io", "user_id": "auth0|2", "identities": [{"provider": "auth0", "connection": "db2"}]}\n'
    )
    out = tmp_path / "out"
    assert main(["emit", str(src), "-o", str(out)]) == 0
    capsys.readouterr()
    chunks = sorted(str(p) for p in out.glob("*/chunk-*.json"))
    assert len(chunks) == 2
    for args in ([str(out)], chunks):
        assert main(["lint", *args, "--select", "BE2"]) == 0, capsys.readouterr().out
        capsys.readouterr()
    (tmp_path / "copy.json").write_text((out / "db1" / "chunk-0001.json").read_text())
    (tmp_path / "copy2.json").write_text((out / "db2" / "chunk-0001.json").read_text())
    # copied out of the emit folder they name no connection: the same email is a duplicate
    assert main(["lint", str(tmp_path / "copy.json"), str(tmp_path / "copy2.json"), "--select", "BE2"]) == 1


def test_a_manifest_of_another_program_above_a_file_is_ignored(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "manifest.json").write_text('{"name": "my web app", "icons": []}')
    data = tmp_path / "data"
    data.mkdir()
    (data / "users.json").write_text('[{"email": "a@x.io"}]')
    assert main(["lint", str(data / "users.json")]) == 0
    (tmp_path / "manifest.json").write_text("not json")
    assert main(["lint", str(data / "users.json")]) == 0


def test_folder_lint_skips_sheet_type_files(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    proj = tmp_path / "proj"
    proj.mkdir()
    assert main(["convert", str(FIXTURE), "-o", str(proj / "sheet.csv")]) == 0
    assert (proj / "sheet.csv.bulkedit.json").is_file()
    capsys.readouterr()
    assert main(["lint", str(proj), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [f["file"].rsplit("/", 1)[-1] for f in data["files"]] == ["sheet.csv"]


def test_sarif_and_github_formats(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["lint", str(FIXTURE), "--format", "sarif"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == "2.1.0"
    assert main(["lint", str(FIXTURE), "--format", "github"]) == 0
    assert capsys.readouterr().out.startswith("::notice file=")


def test_report_to_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["lint", str(FIXTURE), "-o", str(tmp_path / "r.json"), "-f", "json"]) == 0
    assert json.loads((tmp_path / "r.json").read_text())["users"] == 52


def test_subprocess_no_traceback(tmp_path):
    f = tmp_path / "x.json"
    f.write_text("[{]")
    p = subprocess.run([sys.executable, "-m", "bulkedit", "lint", str(f)], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 2
    assert "Traceback" not in p.stderr and str(f) in p.stderr


def test_dashboard_csv_renamed_columns_are_info(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    csv = ROOT / "fixtures" / "export-dashboard.csv"
    assert main(["lint", str(csv), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    renamed = {f["message"] for f in data["findings"] if f["code"] == "BE003"}
    assert "column 'Family Name' is read as family_name" in renamed
    assert "column 'Connection' is read as identities[0].connection" in renamed
    assert data["files"][0]["judged_as"] == "export"
    # emit writes Auth0 field names, one folder per connection
    assert main(["emit", str(csv), "-o", str(tmp_path / "o")]) == 0
    chunk = json.loads((tmp_path / "o" / "legacy-db" / "chunk-0001.json").read_text())
    assert {"family_name", "given_name", "email_verified"} <= set(chunk[0])
    assert not {"Family Name", "Connection", "created_at"} & set(chunk[0])
    assert chunk[0]["email_verified"] is True


def test_a_negative_max_per_rule_is_a_usage_error(capsys):
    assert main(["lint", str(FIXTURE), "--max-per-rule", "-1"]) == 2
