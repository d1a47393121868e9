"""`bulkedit errors` on the corpus in fixtures/job-errors/: mapping, reports, retry chunks, exit codes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bulkedit.cli.app import main
from bulkedit.importfile.convert import to_import_user
from bulkedit.io.read import read_users
from bulkedit.joberrors.analyse import explain

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "job-errors"
ANSWERS = ["errors-job1.json", "errors-job2.json.gz", "errors-empty.json", "job-status.json"]

# user_id (import-shaped) -> decision, for the edited export as it was when the chunks were made
DECISIONS = {
    "d87fbd69a26e46d1bde34aca": "listed",  # DUPLICATED_USER, exists, has password_hash
    "77b7de996e18c68d4a9427e8": "listed",  # ENUM_MISMATCH, unchanged (hash value redacted)
    "37fad61186ae60727f8f5b11": "listed",  # PATTERN phone, unchanged
    "016880df3dfab7ed3e21f3e0": "retry-upsert",  # CONFLICT
    "f941c1e8c6bd1590f4dfef43": "listed",  # unknown code
    "d34e96931a0d5f93d936fe58": "retry-upsert",  # DUPLICATED_USER, but once in all the chunks: already in the tenant
    "e5539c2854c71e3da88362e0": "listed",  # MFA_FACTORS_FAILED, unchanged (secret redacted)
    "e6b42ed62ee4b1c8cc95daac": "listed",  # CONFLICT_EMAIL
    "4aa1521578606a25b25c85dc": "listed",  # MAX_LENGTH + INVALID_TYPE, unchanged
    "40e60b67daa1efec0470fb59": "listed",  # MAX_LENGTH given_name (legacy-db), unchanged
    "5cfbfb52865eea043d1922fe": "retry",  # CONNECTION_NOT_FOUND
    "66615b5a93eb66b1b35b0b30": "listed",  # PROFILE_SIZE_EXCEEDED, unchanged
    "0000ghost": "listed",  # in no chunk, not in the source
}
# after the two fixes of edited-fixed.ndjson
FIXED = {**DECISIONS, "37fad61186ae60727f8f5b11": "retry", "40e60b67daa1efec0470fb59": "retry"}


def _run(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str, str]:
    rc = main(["errors", *args])
    out, err = capsys.readouterr()
    return rc, out, err


def _json(capsys: pytest.CaptureFixture[str], corpus: Path, *extra: str) -> dict[str, Any]:
    rc, out, err = _run(capsys, [*(str(corpus / a) for a in ANSWERS), "--format", "json", *extra])
    assert rc == 0, err
    return json.loads(out)


@pytest.mark.parametrize(("source", "expected"), [("edited.ndjson", DECISIONS), ("edited-fixed.ndjson", FIXED)])
def test_decisions_and_retry_chunks(capsys: pytest.CaptureFixture[str], corpus: Path, tmp_path: Path, source: str, expected: dict[str, str]) -> None:
    out = tmp_path / "retry"
    data = _json(capsys, corpus, "--chunks", str(corpus / "chunks"), "--source", str(corpus / source), "-o", str(out))
    assert {f["user_id"]: f["retry"] for f in data["failures"]} == expected
    assert all(f["reason"] for f in data["failures"] if f["retry"] == "listed")

    manifest = json.loads((out / "manifest.json").read_text())
    sources = {u["user_id"].removeprefix("auth0|"): u for u in read_users(corpus / source)}
    seen: dict[str, tuple[str, bool]] = {}
    for chunk in manifest["chunks"]:
        raw = (out / chunk["file"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == chunk["sha256"] and len(raw) == chunk["bytes"]
        users = json.loads(raw)
        assert len(users) == chunk["users"]
        for u in users:
            # rebuilt from the source through emit's conversion, never Auth0's redacted copy
            assert u == to_import_user(sources[u["user_id"]]).user
            seen[u["user_id"]] = (chunk["connection"], chunk["upsert"])
    retried = {k for k, v in expected.items() if v != "listed"}
    assert set(seen) == retried
    assert all(seen[k][1] is (expected[k] == "retry-upsert") for k in seen)
    assert b"*****" not in b"".join(p.read_bytes() for p in out.rglob("*.json"))
    assert {n["user_id"] for n in manifest["left_out"]} == {k for k, v in expected.items() if v == "listed"}
    assert data["retry"]["retried_users"] == len(retried) == manifest["users"]
    if "40e60b67daa1efec0470fb59" in seen:  # the upper-case twin of a Username-Password user lives in legacy-db
        assert seen["40e60b67daa1efec0470fb59"][0] == "legacy-db"


def test_each_failure_maps_to_its_chunk_user_and_source_line(capsys: pytest.CaptureFixture[str], corpus: Path) -> None:
    data = _json(capsys, corpus, "--chunks", str(corpus / "chunks"), "--source", str(corpus / "edited.ndjson"))
    lines = (corpus / "edited.ndjson").read_text(encoding="utf-8").split("\n")
    for f in data["failures"]:
        if f["user_id"] == "0000ghost":
            assert f["chunk"] is None and f["source"] is None
            continue
        rel, pos = f["chunk"].rsplit("#", 1)
        chunk_user = json.loads((corpus / "chunks" / rel).read_text())[int(pos) - 1]
        assert chunk_user["user_id"] == f["user_id"]
        line = int(f["source"].rsplit(":", 1)[1])
        assert json.loads(lines[line - 1])["user_id"] == "auth0|" + f["user_id"]
        assert f["chunk_ambiguous"] == 0 and f["source_ambiguous"] == 0
    twin = next(f for f in data["failures"] if f["user_id"] == "40e60b67daa1efec0470fb59")
    assert twin["connection"] == "legacy-db" and twin["chunk_match"] == "email+user_id"  # Auth0 lower-cased its email
    assert data["by_chunk"]["(not found in a chunk)"] == 1
    assert sum(data["by_chunk"].values()) == data["failed_users"] == 13


def test_summary_per_code_path_and_answer(capsys: pytest.CaptureFixture[str], corpus: Path) -> None:
    data = _json(capsys, corpus, "--limit", "1")
    by_code = {c["code"]: c for c in data["by_code"]}
    assert by_code["DUPLICATED_USER"]["users"] == 2 and by_code["MAX_LENGTH"]["users"] == 2
    assert len(by_code["MAX_LENGTH"]["first_users"]) == 1 and by_code["MAX_LENGTH"]["more_users"] == 1
    assert by_code["UNHEARD_OF_CODE"]["known"] is False and by_code["UNHEARD_OF_CODE"]["lint"] == []
    from bulkedit.lint.registry import all_rules

    code_of = {r.name: r.code for r in all_rules()}
    assert code_of["phone-not-e164"] in by_code["PATTERN"]["lint"]
    assert by_code["PROFILE_SIZE_EXCEEDED"]["lint"] == [code_of["profile-too-large"]]
    assert data["by_path"]["phone_number"] == 1 and data["by_path"]["(no path)"] == 4
    kinds = [(a["kind"], a["failed_users"]) for a in data["answers"]]
    assert kinds == [("errors", 9), ("errors", 4), ("errors", 0), ("status", 0)]
    assert data["answers"][3]["description"].startswith("job job_Qb3XnYz81Lk2ab7F is completed: 4 failed")


def test_json_report_is_the_library_result(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--chunks", str(CORPUS / "chunks"), "--source", str(CORPUS / "edited.ndjson")]
    data = _json(capsys, CORPUS, *args)
    lib = explain([CORPUS / a for a in ANSWERS], chunks=CORPUS / "chunks", source=CORPUS / "edited.ndjson")
    assert data == json.loads(json.dumps(lib.to_dict()))


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_text_and_markdown_reports(capsys: pytest.CaptureFixture[str], fmt: str, tmp_path: Path) -> None:
    rc, out, _ = _run(
        capsys,
        [*(str(CORPUS / a) for a in ANSWERS), "--chunks", str(CORPUS / "chunks"), "--source", str(CORPUS / "edited-fixed.ndjson"),
         "-o", str(tmp_path / "r"), "--format", fmt, "--limit", "1"],
    )
    assert rc == 0
    for text in (
        "job job_Qb3XnYz81Lk2ab7F is completed: 4 failed, 0 updated, 20 inserted, 24 total; this file has no per-user errors",
        "UNHEARD_OF_CODE",
        "PROFILE_SIZE_EXCEEDED",
        "Username-Password-Authentication/chunk-0001.json#1",
        "and 1 more",
        "upsert",
        "Left by a migration: upsert does not help",
    ):
        assert text in out, text
    if fmt == "markdown":
        assert "| `CONFLICT_EMAIL` | 1 | 1 |" in out


def test_unreadable_input_exits_2_and_writes_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "retry"
    rc, stdout, err = _run(
        capsys, [str(CORPUS / "errors-job1.json"), str(CORPUS / "truncated.json"), "--source", str(CORPUS / "edited.ndjson"), "-o", str(out)]
    )
    assert rc == 2 and stdout == "" and not out.exists()
    assert f"{CORPUS / 'truncated.json'}:" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--chunks", "{tmp}"], "has no manifest.json"),
        (["-o", "{tmp}/r"], "-o needs --source"),
        (["--source", "{corpus}/edited.ndjson", "-o", "{corpus}/chunks", "--force"], "is the input"),
        (["--source", "{corpus}/missing.ndjson"], "no such file"),
    ],
)
def test_usage_and_input_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str) -> None:
    if "{corpus}/chunks" in args:
        args = [*args, "--chunks", "{corpus}/chunks"]
    argv = [a.format(tmp=tmp_path, corpus=CORPUS) for a in args]
    rc, _, err = _run(capsys, [str(CORPUS / "errors-job1.json"), *argv])
    assert rc == 2 and message in err, err


def test_non_empty_retry_folder_needs_force(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "r"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    base = [str(CORPUS / "errors-job1.json"), "--source", str(CORPUS / "edited-fixed.ndjson"), "-o", str(out)]
    rc, _, err = _run(capsys, base)
    assert rc == 1 and "not empty" in err and (out / "keep.txt").exists()  # cli.md: a refused output exits 1
    rc, _, _ = _run(capsys, [*base, "--force"])
    assert rc == 0 and not (out / "keep.txt").exists() and (out / "manifest.json").exists()


def test_end_to_end_subprocess(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bulkedit", "errors", str(CORPUS / "errors-job2.json.gz"), str(CORPUS / "api-error.json")],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2
    assert "api-error.json:1: this is an API error answer, not a job answer: 404 Not Found" in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "bulkedit", "errors", str(CORPUS / "errors-empty.json")], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0 and "no failed users" in proc.stdout


@pytest.mark.parametrize("source", ["edited.ndjson", "edited-fixed.ndjson"])
def test_parallel_scan_gives_the_same_result(tmp_path: Path, source: str) -> None:
    answers = [CORPUS / a for a in ANSWERS]
    results = [
        explain(answers, chunks=CORPUS / "chunks", source=CORPUS / source, retry_dir=tmp_path / f"r{p}", parallel=p).to_dict()
        for p in (False, True)
    ]
    for r in results:
        r["retry"].pop("folder")
    assert results[0] == results[1]


def test_broken_chunk_is_an_input_error_from_either_scan(tmp_path: Path) -> None:
    import shutil

    from bulkedit.errors import InputError

    chunks = tmp_path / "chunks"
    shutil.copytree(CORPUS / "chunks", chunks)
    (chunks / "legacy-db" / "chunk-0002.json").write_text('[{"email": "x@y.z"},\n{"email": ')
    for parallel in (False, True):
        with pytest.raises(InputError) as info:
            explain([CORPUS / "errors-job2.json.gz"], chunks=chunks, source=CORPUS / "edited.ndjson", parallel=parallel)
        assert "legacy-db/chunk-0002.json" in info.value.message and "changed after emit" in info.value.message
    # a manifest that records no size or sum for it (written by hand): the chunk itself is read and refused
    manifest = json.loads((chunks / "manifest.json").read_text())
    for entry in manifest["chunks"]:
        if entry["file"] == "legacy-db/chunk-0002.json":
            entry.pop("bytes", None)
            entry.pop("sha256", None)
    (chunks / "manifest.json").write_text(json.dumps(manifest))
    for parallel in (False, True):
        with pytest.raises(InputError) as info:
            explain([CORPUS / "errors-job2.json.gz"], chunks=chunks, source=CORPUS / "edited.ndjson", parallel=parallel)
        assert info.value.where == f"{chunks / 'legacy-db' / 'chunk-0002.json'}:2"


def test_ambiguous_and_missing_matches_are_noted(tmp_path: Path) -> None:
    lines = (CORPUS / "edited.ndjson").read_text(encoding="utf-8").splitlines(keepends=True)
    src = tmp_path / "twice.ndjson"
    src.write_text(lines[3] + lines[3], encoding="utf-8")  # user3 twice; everyone else missing
    result = explain([CORPUS / "errors-job2.json.gz"], chunks=CORPUS / "chunks", source=src)
    user3 = next(f for f in result.failures if f.user_id == "5cfbfb52865eea043d1922fe")
    assert user3.source == f"{src}:1" and user3.source_ties == 1
    assert f"3 failed user(s) not found in the source {src}" in result.notes
    assert "1 failed user(s) match more than one source record equally well; the first is shown" in result.notes
    assert any(n.startswith("1 failed user(s) not found in any chunk") for n in result.notes)


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ({"chunks": [{"file": "../outside.json", "connection": "x"}]}, "outside the folder"),
        ({"chunks": [{"file": "missing/chunk-0001.json", "connection": "x"}]}, "chunk(s) it lists are missing: missing/chunk-0001.json"),
        ({"files": []}, "no 'chunks' list"),
        ("{not json", "malformed JSON"),
    ],
)
def test_bad_emit_folder_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], manifest: Any, message: str) -> None:
    folder = tmp_path / "chunks"
    folder.mkdir()
    (tmp_path / "outside.json").write_text("[]")
    (folder / "manifest.json").write_text(manifest if isinstance(manifest, str) else json.dumps(manifest))
    rc, _, err = _run(capsys, [str(CORPUS / "errors-job2.json.gz"), "--chunks", str(folder)])
    assert rc == 2 and message in err and "Traceback" not in err


def test_unchanged_is_judged_against_the_chunk_when_auth0_echo_differs(tmp_path: Path) -> None:
    chunk = json.loads((CORPUS / "chunks" / "legacy-db" / "chunk-0001.json").read_text())
    echoed = dict(chunk[0], email_verified=False, blocked=False)  # an echo with defaults filled in
    answer = tmp_path / "job.json"
    answer.write_text(json.dumps([{"user": echoed, "errors": [{"code": "CONFLICT_USERNAME", "message": "m", "path": "username"}]}]))
    with_chunks = explain([answer], chunks=CORPUS / "chunks", source=CORPUS / "edited.ndjson", retry_dir=tmp_path / "a")
    (f,) = with_chunks.failures
    assert f.chunk_match == "email+user_id" and f.decision == "listed" and "unchanged in the source" in (f.reason or "")
    # without the chunks only Auth0's echo is there to compare with: the record looks changed
    without = explain([answer], source=CORPUS / "edited.ndjson", retry_dir=tmp_path / "b")
    assert without.failures[0].decision == "retry"


def test_inputs_are_checked_even_when_nothing_failed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = str(CORPUS / "errors-empty.json")
    assert _run(capsys, [empty, "--chunks", str(tmp_path)])[0] == 2
    assert _run(capsys, [empty, "--source", str(tmp_path / "nope.ndjson")])[0] == 2
    rc, out, _ = _run(capsys, [empty, "--chunks", str(CORPUS / "chunks"), "--source", str(CORPUS / "edited.ndjson"), "-o", str(tmp_path / "r")])
    assert rc == 0 and "retry: 0 user(s) in 0 chunk(s)" in out
    assert json.loads((tmp_path / "r" / "manifest.json").read_text())["chunks"] == []


def test_without_chunks_a_redacted_field_is_said_to_need_them(capsys: pytest.CaptureFixture[str], corpus: Path, tmp_path: Path) -> None:
    data = _json(capsys, corpus, "--source", str(corpus / "edited.ndjson"), "-o", str(tmp_path / "retry"))
    reasons = {f["user_id"]: f["reason"] for f in data["failures"]}
    assert "as far as Auth0's answer shows" in reasons["e5539c2854c71e3da88362e0"]  # MFA secret shown as *****
    assert "--chunks" in reasons["e5539c2854c71e3da88362e0"]
    with_chunks = _json(capsys, corpus, "--chunks", str(corpus / "chunks"), "--source", str(corpus / "edited.ndjson"))
    assert not any("--chunks" in (f["reason"] or "") for f in with_chunks["failures"])


def test_text_report_counts_have_thousands_separators(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answer = tmp_path / "errors.json"
    entries = [
        {"user": {"email": f"u{i}@x.io", "user_id": f"u{i}"}, "errors": [{"code": "PATTERN", "message": "bad", "path": "phone_number"}]}
        for i in range(1200)
    ]
    answer.write_text(json.dumps(entries), encoding="utf-8")
    assert main(["errors", str(answer), "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert f"{answer}: 1,200 failed users" in out
    assert "PATTERN  1,200 user(s)" in out
