"""Outputs never replace or delete an input; folder outputs work in place (`-o .`, a symlink, a private folder).

Every command's `-o` goes through bulkedit.io.atomic (`check_output_file`,
`check_output_dir`, `atomic_dir`); these tests hold each command to it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from bulkedit.cli.app import main
from bulkedit.io.atomic import TEMP_PREFIX, atomic_dir

ROOT = Path(__file__).resolve().parents[2]
EXPORT = ROOT / "fixtures" / "export.json.gz"
PLAN = ROOT / "fixtures" / "plans" / "example.yaml"
CORPUS = ROOT / "fixtures" / "job-errors"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    rc = main([str(a) for a in argv])
    return rc, capsys.readouterr().err


def _no_temp_left(folder: Path) -> None:
    left = [p for p in folder.rglob("*") if p.name.startswith((TEMP_PREFIX, "."))]
    assert left == []


# -- an output folder that holds an input --------------------------------------------


@pytest.mark.parametrize("where", ["input", "backup", "map"])
def test_emit_force_refuses_an_outdir_holding_an_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str) -> None:
    out = tmp_path / "o"
    out.mkdir()
    inside = {"input": out / "in.json.gz", "backup": out / "backup.json.gz", "map": out / "map.json"}[where]
    src = inside if where == "input" else tmp_path / "in.json.gz"
    shutil.copy(EXPORT, src)
    if where == "backup":
        shutil.copy(EXPORT, inside)
    if where == "map":
        inside.write_text("{}")
    extra = {"input": [], "backup": ["--backup", inside], "map": ["--map", inside]}[where]
    before = _sha(inside)
    rc, err = _run(capsys, ["emit", src, "-o", out, "--force", *extra])
    assert rc == 2 and f"output folder {out} contains the input {inside}" in err
    assert _sha(inside) == before and sorted(p.name for p in out.iterdir()) == [inside.name]


def test_emit_refuses_an_outdir_holding_a_symlinked_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "real"
    real.mkdir()
    shutil.copy(EXPORT, real / "in.json.gz")
    (tmp_path / "link").symlink_to(real)
    (tmp_path / "in-link.json.gz").symlink_to(real / "in.json.gz")
    for src, out in ((real / "in.json.gz", tmp_path / "link"), (tmp_path / "in-link.json.gz", real)):
        rc, err = _run(capsys, ["emit", src, "-o", out, "--force"])
        assert rc == 2 and f"output folder {out} contains the input {src}" in err
    assert [p.name for p in real.iterdir()] == ["in.json.gz"]


@pytest.mark.parametrize("inside", ["answer", "chunks", "source"])
def test_errors_force_refuses_a_retry_folder_holding_an_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], inside: str
) -> None:
    out = tmp_path / "ret"
    out.mkdir()
    paths = {"answer": tmp_path / "errors-job1.json", "chunks": tmp_path / "chunks", "source": tmp_path / "edited.ndjson"}
    paths[inside] = out / paths[inside].name
    shutil.copy(CORPUS / "errors-job1.json", paths["answer"])
    shutil.copytree(CORPUS / "chunks", paths["chunks"])
    shutil.copy(CORPUS / "edited.ndjson", paths["source"])
    rc, err = _run(
        capsys,
        ["errors", paths["answer"], "--chunks", paths["chunks"], "--source", paths["source"], "-o", out, "--force"],
    )
    assert rc == 2 and f"output folder {out} contains the input {paths[inside]}" in err
    assert paths[inside].exists() and [p.name for p in out.iterdir()] == [paths[inside].name]


# -- an output file that is an input ---------------------------------------------------


def test_lint_refuses_writing_its_report_over_an_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "a.json.gz"
    backup = tmp_path / "b.json.gz"
    shutil.copy(EXPORT, src)
    shutil.copy(EXPORT, backup)
    (tmp_path / "link.json.gz").symlink_to(src)
    for argv, out in (
        ([src, "-o", src], src),
        ([src, "--backup", backup, "-o", backup], backup),
        ([src, "-o", tmp_path / "link.json.gz"], tmp_path / "link.json.gz"),
    ):
        rc, err = _run(capsys, ["lint", *argv])
        assert rc == 2 and f"output {out} is the input file" in err, err
    assert _sha(src) == _sha(EXPORT) == _sha(backup)


def test_lint_checks_its_output_folder_before_reading(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"email": \n')  # reading it would fail: the output's folder is named first
    rc, err = _run(capsys, ["lint", bad, "-o", tmp_path / "no" / "r.txt"])
    assert rc == 2 and f"folder {tmp_path / 'no'} does not exist" in err and "malformed" not in err


def test_edit_refuses_writing_over_its_plan_or_the_sheets_sidecar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.yaml"
    shutil.copy(PLAN, plan)
    rc, err = _run(capsys, ["edit", EXPORT, "--plan", plan, "-o", plan, "--to", "ndjson"])
    assert rc == 2 and f"output {plan} is the input file {plan}" in err
    assert plan.read_bytes() == PLAN.read_bytes()

    sheet = tmp_path / "sheet.csv"
    assert _run(capsys, ["convert", EXPORT, "-o", sheet])[0] == 0
    sidecar = tmp_path / "sheet.csv.bulkedit.json"
    before = _sha(sidecar)
    rc, err = _run(capsys, ["edit", EXPORT, "--sheet", sheet, "-o", sidecar, "--to", "ndjson"])
    assert rc == 2 and f"output {sidecar} is the input file" in err
    assert _sha(sidecar) == before


def test_convert_refuses_the_inputs_sidecar_and_a_csv_whose_sidecar_is_an_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "sheet.csv"
    assert _run(capsys, ["convert", EXPORT, "-o", sheet])[0] == 0
    sidecar = tmp_path / "sheet.csv.bulkedit.json"
    before = _sha(sidecar)
    rc, err = _run(capsys, ["convert", sheet, "-o", sidecar, "--to", "ndjson"])
    assert rc == 2 and "is the input file" in err and _sha(sidecar) == before
    # a CSV output writes `<out>.bulkedit.json` too: that must not be the input either
    odd = tmp_path / "x.csv.bulkedit.json"
    shutil.copy(EXPORT, odd)
    rc, err = _run(capsys, ["convert", odd, "-o", tmp_path / "x.csv"])
    assert rc == 2 and "is the input file" in err and _sha(odd) == _sha(EXPORT)


# -- refused output folders exit 1 -----------------------------------------------------


def test_non_empty_outdir_is_a_refused_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    rc, err = _run(capsys, ["emit", EXPORT, "-o", out])
    assert rc == 1 and f"output folder {out} is not empty" in err
    rc, err = _run(capsys, ["errors", CORPUS / "errors-job1.json", "--source", CORPUS / "edited.ndjson", "-o", out])
    assert rc == 1 and f"output folder {out} is not empty" in err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


# -- folder outputs in place -------------------------------------------------------------


@pytest.mark.parametrize("command", ["emit", "errors"])
def test_dot_as_output_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    argv = (
        ["emit", EXPORT, "-o", "."]
        if command == "emit"
        else ["errors", CORPUS / "errors-job1.json", "--chunks", CORPUS / "chunks", "--source", CORPUS / "edited-fixed.ndjson", "-o", "."]
    )
    rc, err = _run(capsys, argv)
    assert rc == 0, err
    assert (work / "manifest.json").exists() and "internal error" not in err
    _no_temp_left(work)
    # again with --force: the current directory's content is not deleted, and nothing is left behind
    (work / "mine.txt").write_text("keep")
    rc, err = _run(capsys, [*argv, "--force"])
    assert rc == 1 and "current directory" in err
    assert (work / "mine.txt").read_text() == "keep" and (work / "manifest.json").exists()
    _no_temp_left(work)


def test_existing_empty_outdir_keeps_its_mode_and_symlink(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    priv = tmp_path / "priv"
    priv.mkdir(mode=0o700)
    inode = priv.stat().st_ino
    assert _run(capsys, ["emit", EXPORT, "-o", priv])[0] == 0
    assert stat.S_IMODE(priv.stat().st_mode) == 0o700 and priv.stat().st_ino == inode
    assert (priv / "manifest.json").exists()
    _no_temp_left(priv)

    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    assert _run(capsys, ["emit", EXPORT, "-o", link])[0] == 0
    assert link.is_symlink() and (real / "manifest.json").exists()
    (real / "old.txt").write_text("x")
    assert _run(capsys, ["emit", EXPORT, "-o", link, "--force"])[0] == 0
    assert link.is_symlink() and (real / "manifest.json").exists() and not (real / "old.txt").exists()
    _no_temp_left(real)


def test_a_failure_leaves_an_existing_folder_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "o"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), atomic_dir(out, force=True) as tmp:
        (tmp / "new.txt").write_text("new")
        raise RuntimeError("boom")
    assert sorted(p.name for p in out.iterdir()) == ["old.txt"]
    with atomic_dir(out, force=True) as tmp:
        (tmp / "manifest.json").write_text("{}")
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]
    with pytest.raises(RuntimeError), atomic_dir(tmp_path / "new", force=False) as tmp:
        raise RuntimeError("boom")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]


def test_a_folder_that_cannot_be_written_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes in any folder")
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o500)
    rc, err = _run(capsys, ["emit", EXPORT, "-o", ro])
    assert rc == 2 and "cannot write" in err


# -- --max-bytes ---------------------------------------------------------------------------


def test_max_bytes_above_auth0s_limit_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, err = _run(capsys, ["emit", EXPORT, "-o", tmp_path / "o", "--max-bytes", "511001"])
    assert rc == 2 and "512,000" in err and "511,000" in err and not (tmp_path / "o").exists()
    assert _run(capsys, ["emit", EXPORT, "-o", tmp_path / "o", "--max-bytes", "511000"])[0] == 0


def test_diff_refuses_writing_its_report_over_the_map_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    column_map = tmp_path / "map.json"
    column_map.write_text("{}")
    rc, err = _run(capsys, ["diff", EXPORT, EXPORT, "--map", column_map, "-o", column_map])
    assert rc == 2 and f"output {column_map} is the input file {column_map}" in err
    assert column_map.read_text() == "{}"


def test_a_user_too_large_for_the_chunk_names_what_would_help(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def user_file(blob: int) -> Path:
        f = tmp_path / f"u{blob}.json"
        f.write_text(json.dumps([{"email": "a@x.io", "user_metadata": {"blob": "x" * blob}}]))
        return f

    rc, err = _run(capsys, ["emit", user_file(490_000), "-o", tmp_path / "o1", "--connection", "db"])
    assert rc == 1 and "raise --max-bytes (up to 511000" in err
    rc, err = _run(capsys, ["emit", user_file(520_000), "-o", tmp_path / "o2", "--connection", "db"])
    assert rc == 1 and "no import file can hold it" in err


@pytest.mark.parametrize("name", ["", "   ", "../escape", "a/b", " db"])
def test_a_connection_name_that_is_no_name_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    # an unset $CONN gives --connection "": chunks under _/ with connection "" in the manifest
    rc, err = _run(capsys, ["emit", ROOT / "fixtures" / "export.json", "-o", tmp_path / "o", "--connection", name])
    assert rc == 2 and "is not a connection name" in err and not (tmp_path / "o").exists()
