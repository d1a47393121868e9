"""`errors` against a folder made by the real `bulkedit emit`, sources in other formats, and lint of the retry folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bulkedit.cli.app import main
from bulkedit.io.read import Record, read_users
from bulkedit.io.write import write_users
from bulkedit.joberrors.analyse import explain

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "job-errors"
EXPORT = ROOT / "fixtures" / "export.json.gz"


@pytest.fixture(scope="module")
def emitted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("emit") / "chunks"
    assert main(["emit", str(EXPORT), "-o", str(out), "--max-bytes", "6000"]) == 0
    return out


def _answer_from_chunks(chunks: Path, picks: dict[int, str], path: Path) -> list[str]:
    """An Auth0-shaped answer naming the chunk users at global positions `picks` (-> code); their user_ids."""
    manifest = json.loads((chunks / "manifest.json").read_text())
    users = [u for c in manifest["chunks"] for u in json.loads((chunks / c["file"]).read_text())]
    entries = [{"user": users[i], "errors": [{"code": code, "message": "m", "path": ""}]} for i, code in picks.items()]
    path.write_text(json.dumps(entries, indent=1))
    return [users[i]["user_id"] for i in picks]


def test_real_emit_folder_maps_and_retry_folder_lints_clean(emitted: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answer = tmp_path / "job.json"
    ids = _answer_from_chunks(emitted, {0: "CONNECTION_NOT_FOUND", 7: "CONFLICT", 30: "CONNECTION_NOT_FOUND", 31: "PATTERN"}, answer)
    retry = tmp_path / "retry"
    result = explain([answer], chunks=emitted, source=EXPORT, retry_dir=retry)
    assert [f.user_id for f in result.failures] == ids
    assert all(f.chunk_match == "exact" and f.source_match == "exact" for f in result.failures)
    assert [f.decision for f in result.failures] == ["retry", "retry-upsert", "retry", "listed"]
    manifest = json.loads((retry / "manifest.json").read_text())
    assert manifest["users"] == 3 and [x["user_id"] for x in manifest["left_out"]] == [ids[3]]
    capsys.readouterr()
    assert main(["lint", str(retry), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert not [f for f in report["findings"] if f["severity"] == "error"]


def _edit(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))


@pytest.mark.parametrize("command", ["errors", "lint", "diff"])
@pytest.mark.parametrize(("old", "new", "why"), [(b"[", b"[ ", "bytes, listed as"), (b'"email"', b'"EMAIL"', "sha256 differs")])
def test_a_chunk_changed_after_emit_is_refused(
    emitted: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, old: bytes, new: bytes, why: str
) -> None:
    """A chunk whose size or sha256 is not its manifest entry's: exit 2, naming the chunk (issue 16)."""
    chunks = tmp_path / "chunks"
    shutil.copytree(emitted, chunks)
    first = json.loads((chunks / "manifest.json").read_text())["chunks"][0]["file"]
    _edit(chunks / first, old, new)
    answer = tmp_path / "job.json"
    _answer_from_chunks(emitted, {0: "CONNECTION_NOT_FOUND"}, answer)
    args = {"errors": [str(answer), "--chunks", str(chunks)], "lint": [str(chunks)], "diff": [str(EXPORT), str(chunks)]}[command]
    capsys.readouterr()
    assert main([command, *args]) == 2
    err = capsys.readouterr().err
    assert first in err and "changed after emit" in err and why in err and "bulkedit emit" in err


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_source_in_other_formats_maps_to_rows(tmp_path: Path, fmt: str) -> None:
    users = read_users(CORPUS / "edited-fixed.ndjson")
    src = tmp_path / f"edited.{fmt}"
    write_users(src, lambda: (Record(i + 1, u, None) for i, u in enumerate(users)), fmt)
    answers = [CORPUS / "errors-job1.json", CORPUS / "errors-job2.json.gz"]
    base = explain(answers, chunks=CORPUS / "chunks", source=CORPUS / "edited-fixed.ndjson", retry_dir=tmp_path / "a")
    other = explain(answers, chunks=CORPUS / "chunks", source=src, retry_dir=tmp_path / "b")
    assert [f.decision for f in other.failures] == [f.decision for f in base.failures]
    for b, o in zip(base.failures, other.failures, strict=True):
        if b.source is None:
            assert o.source is None
            continue
        line = int(b.source.rsplit(":", 1)[1])
        pos = int(o.source.rsplit(":", 1)[1])
        if fmt == "json":
            assert json.loads((src.read_text().split("\n")[pos - 1]).rstrip(","))["user_id"] == users[line - 1]["user_id"]
        else:
            assert pos == line + 1  # the row, counting the header
    for name in ("a", "b"):
        assert json.loads((tmp_path / name / "manifest.json").read_text())["users"] == 5


def test_a_folder_of_answers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "answers"
    folder.mkdir()
    for name in ("errors-job1.json", "errors-job2.json.gz", "job-status.json"):
        shutil.copy(CORPUS / name, folder / name)
    (folder / "notes.txt").write_text("not an answer")
    assert main(["errors", str(folder), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [Path(a["file"]).name for a in data["answers"]] == ["errors-job1.json", "errors-job2.json.gz", "job-status.json"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["errors", str(empty)]) == 2
    assert "holds no saved answers" in capsys.readouterr().err


def test_dashboard_csv_source_maps_to_rows(tmp_path: Path) -> None:
    dash = ROOT / "fixtures" / "export-dashboard.csv"
    chunks = tmp_path / "chunks"
    assert main(["emit", str(dash), "-o", str(chunks)]) == 0
    answer = tmp_path / "job.json"
    ids = _answer_from_chunks(chunks, {0: "CONNECTION_NOT_FOUND", 9: "CONFLICT"}, answer)
    result = explain([answer], chunks=chunks, source=dash, retry_dir=tmp_path / "retry")
    rows = {u["user_id"].removeprefix("auth0|"): n for n, u in enumerate(read_users(dash), 2)}  # row 1 is the header
    for uid, f in zip(ids, result.failures, strict=True):
        assert f.source == f"{dash}:{rows[uid]}" and f.source_match == "exact" and f.chunk_match == "exact"
    assert [f.decision for f in result.failures] == ["retry", "retry-upsert"]


def test_the_backup_given_as_source_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # tenant.json.gz and edited.ndjson lie side by side: passing the backup would rebuild unedited users
    import gzip

    root = Path(__file__).resolve().parents[2]
    tenant = tmp_path / "tenant.json.gz"
    shutil.copy(root / "fixtures" / "export.json.gz", tenant)
    users = [json.loads(line) for line in gzip.decompress(tenant.read_bytes()).splitlines() if line.strip()]
    users[0]["family_name"] = "Smith"
    edited = tmp_path / "edited.ndjson"
    edited.write_text("".join(json.dumps(u) + "\n" for u in users))
    assert main(["emit", str(edited), "-o", str(tmp_path / "chunks"), "--backup", str(tenant)]) == 0
    first = json.loads(next((tmp_path / "chunks").glob("*/chunk-0001.json")).read_text())[0]
    answer = tmp_path / "ans.json"
    answer.write_text(json.dumps([{"user": first, "errors": [{"code": "PATTERN", "message": "x", "path": "email"}]}]))
    capsys.readouterr()
    args = ["errors", str(answer), "--chunks", str(tmp_path / "chunks"), "-o"]
    assert main([*args, str(tmp_path / "r1"), "--source", str(tenant)]) == 2
    assert "is the backup the chunks were checked against" in capsys.readouterr().err
    assert not (tmp_path / "r1").exists()
    assert main([*args, str(tmp_path / "r2"), "--source", str(edited)]) == 0
