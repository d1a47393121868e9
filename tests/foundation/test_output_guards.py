"""No output lies inside a folder the command reads, or replaces a file a plan reads."""

from __future__ import annotations

import json
from pathlib import Path

from bulkedit.cli.app import main

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "export.json.gz"


def test_lint_report_inside_the_linted_folder_is_refused(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    users = folder / "users.json"
    users.write_text('[{"email": "a@x.io"}]')
    before = users.read_bytes()
    assert main(["lint", str(folder), "-o", str(users)]) == 2
    assert "inside the input folder" in capsys.readouterr().err
    assert users.read_bytes() == before
    assert main(["lint", str(folder), "-o", str(tmp_path / "report.txt")]) == 0


def test_errors_retry_folder_inside_the_chunks_folder_is_refused(tmp_path: Path, capsys) -> None:
    chunks = tmp_path / "chunks"
    assert main(["emit", str(FIXTURE), "-o", str(chunks)]) == 0
    answer = tmp_path / "errors.json"
    first = json.loads(next(chunks.glob("*/chunk-0001.json")).read_text())[0]
    answer.write_text(json.dumps([{"user": first, "errors": [{"code": "CONFLICT", "message": "x", "path": ""}]}]))
    conn_dir = next(p for p in chunks.iterdir() if p.is_dir())
    files_before = sorted(p.name for p in conn_dir.iterdir())
    capsys.readouterr()
    rc = main(["errors", str(answer), "--chunks", str(chunks), "--source", str(FIXTURE), "-o", str(conn_dir), "--force"])
    assert rc == 2
    assert "inside the input folder" in capsys.readouterr().err
    assert sorted(p.name for p in conn_dir.iterdir()) == files_before


def test_diff_report_inside_the_emit_folder_is_refused(tmp_path: Path, capsys) -> None:
    chunks = tmp_path / "chunks"
    assert main(["emit", str(FIXTURE), "-o", str(chunks)]) == 0
    manifest = (chunks / "manifest.json").read_bytes()
    assert main(["diff", str(FIXTURE), str(chunks), "-o", str(chunks / "manifest.json")]) == 2
    assert (chunks / "manifest.json").read_bytes() == manifest


def test_edit_output_over_the_plans_in_file_list_is_refused(tmp_path: Path, capsys) -> None:
    ticket = tmp_path / "ticket.txt"
    ticket.write_text("testuser1@auth0.com\n")
    plan = tmp_path / "plan.yaml"
    plan.write_text("edits:\n  - where: {email: {in_file: ticket.txt}}\n    set: {family_name: Smith}\n")
    assert main(["edit", str(FIXTURE), "--plan", str(plan), "-o", str(ticket)]) == 2
    assert ticket.read_text() == "testuser1@auth0.com\n"
    assert "is the input" in capsys.readouterr().err


def test_a_folder_as_the_output_file_is_refused_before_any_work(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    plan = tmp_path / "plan.yaml"
    plan.write_text("edits:\n  - set: {family_name: Smith}\n")
    for args in (
        ["convert", str(FIXTURE), "-o", "."],
        ["convert", str(FIXTURE), "-o", "sub", "--to", "ndjson"],
        ["edit", str(FIXTURE), "--plan", str(plan), "-o", "sub/", "--to", "json"],
        ["lint", str(FIXTURE), "-o", "sub"],
        ["diff", str(FIXTURE), str(FIXTURE), "-o", "."],
    ):
        assert main(args) == 2, args
        assert "is a folder" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.yaml", "sub"]
    assert list((tmp_path / "sub").iterdir()) == []
