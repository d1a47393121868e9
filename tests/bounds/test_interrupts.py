"""Interruptions: SIGTERM cleans up like Ctrl-C, a killed run's debris is recognised and removed,
a folder of chunks is replaced in one step, and readers refuse a folder that does not match its manifest.

The processes are real and are killed at named points (BULKEDIT_CRASH_AT=point:SIGNAL, see
bulkedit.io.signals.crash_point), not after a sleep.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bulkedit.io.atomic import TEMP_PREFIX, clean_debris

from .conftest import USERS, cli, ndjson, run_process, user


def crash(point: str, sig: str, *args: object) -> subprocess.CompletedProcess[str]:
    return run_process(*args, env={"BULKEDIT_CRASH_AT": f"{point}:{sig}"})


def hidden(folder: Path) -> list[str]:
    """Names of hidden entries (temp files and folders) in `folder` and below."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*"))


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# -- SIGTERM: the same clean-up as Ctrl-C ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "point"),
    [("convert", "file-written"), ("edit", "file-written"), ("emit", "chunk-written"), ("emit", "folder-written"),
     ("emit --force", "chunk-written"), ("emit --force", "folder-written")],
)
def test_sigterm_leaves_no_debris_and_the_output_as_it_was(tmp_path: Path, export: Path, name: str, point: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    plan = tmp_path / "plan.yaml"
    plan.write_text("edits:\n  - set: {user_metadata.tier: basic}\n")
    if name == "emit --force":
        (out / "chunks").mkdir()
        (out / "chunks" / "old.txt").write_text("the previous output")
    before = tree(out)
    args = {
        "convert": ["convert", export, "-o", out / "users.json"],
        "edit": ["edit", export, "--plan", plan, "-o", out / "edited.ndjson"],
        "emit": ["emit", export, "-o", out / "chunks"],
        "emit --force": ["emit", export, "-o", out / "chunks", "--force"],
    }[name]
    proc = crash(point, "TERM", *args)
    assert proc.returncode == 128 + signal.SIGTERM, proc.stderr
    assert "terminated" in proc.stderr and "Traceback" not in proc.stderr
    assert hidden(out) == [] and tree(out) == before


def test_sigterm_while_a_worker_spools_leaves_no_spool(tmp_path: Path) -> None:
    """A file large enough for emit's second process (16 MB): its spool goes with the temp folder."""
    src = tmp_path / "big.ndjson"
    line = ndjson([user(0, user_metadata={"bio": "y" * 900})])
    with open(src, "w") as f:
        for n in range(18_000):
            f.write(line.replace('"auth0|' + f"{0:024x}", '"auth0|' + f"{n:024x}").replace("user0@", f"user{n}@"))
    out = tmp_path / "out"
    out.mkdir()
    proc = crash("spooled", "TERM", "emit", src, "-o", out / "chunks")
    assert proc.returncode == 128 + signal.SIGTERM, proc.stderr
    assert list(out.iterdir()) == [] and hidden(tmp_path) == []


# -- SIGKILL: bulkedit's own debris is recognised and removed ----------------------------------


def test_a_rerun_after_sigkill_into_an_empty_folder_needs_no_force(tmp_path: Path, export: Path) -> None:
    out = tmp_path / "chunks"
    out.mkdir()
    proc = crash("chunk-written", "KILL", "emit", export, "-o", out)
    assert proc.returncode == -signal.SIGKILL
    assert hidden(tmp_path) != []  # the killed run's temp folder
    proc = run_process("emit", export, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert hidden(tmp_path) == [] and (out / "manifest.json").is_file()


def test_debris_of_older_versions_inside_the_folder_is_removed_too(capsys: pytest.CaptureFixture[str], tmp_path: Path, export: Path) -> None:
    out = tmp_path / "chunks"
    (out / ".bulkedit-k3j_x9a2.tmp" / "db").mkdir(parents=True)  # what a killed emit of before left inside
    (out / ".bulkedit-k3j_x9a2.tmp" / "db" / "chunk-0001.json").write_text("[]")
    rc, _, err = cli(capsys, "emit", export, "-o", out)
    assert rc == 0, err
    assert hidden(out) == []


def test_a_running_bulkedits_temp_folder_is_not_debris(tmp_path: Path) -> None:
    out = tmp_path / "chunks"
    out.mkdir()
    mine = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-chunks-abcd1234.tmp"
    mine.mkdir()
    assert clean_debris(out) == [] and mine.is_dir()


def test_sigkill_of_a_convert_leaves_a_temp_file_the_next_run_removes(tmp_path: Path, export: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    proc = crash("file-written", "KILL", "convert", export, "-o", out / "users.json")
    assert proc.returncode == -signal.SIGKILL and len(hidden(out)) == 1
    proc = run_process("convert", export, "-o", out / "users.json")
    assert proc.returncode == 0, proc.stderr
    assert hidden(out) == [] and len(json.loads((out / "users.json").read_text())) == len(USERS)


# -- emit --force replaces a folder in one step ------------------------------------------------


@pytest.mark.parametrize("point", ["chunk-written", "folder-written", "folder-swapped"])
def test_sigkill_during_emit_force_leaves_the_old_or_the_new_folder_whole(tmp_path: Path, export: Path, point: str) -> None:
    out = tmp_path / "chunks"
    first = run_process("emit", export, "-o", out, "--max-bytes", "200000")
    assert first.returncode == 0, first.stderr
    old = tree(out)
    proc = crash(point, "KILL", "emit", export, "-o", out, "--force")  # default size: other chunks
    assert proc.returncode == -signal.SIGKILL
    now = tree(out)
    if point == "folder-swapped":
        assert now != old and json.loads(now["manifest.json"])["options"]["max_bytes"] == 480000
    else:
        assert now == old
    lint = run_process("lint", out)
    assert lint.returncode == 0, lint.stderr  # whole: its manifest and its chunks agree
    again = run_process("emit", export, "-o", out, "--force")
    assert again.returncode == 0 and hidden(tmp_path) == []


def test_emit_force_keeps_the_folders_mode_and_a_symlink_to_it(capsys: pytest.CaptureFixture[str], tmp_path: Path, export: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "old.txt").write_text("x")
    os.chmod(real, 0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    rc, _, err = cli(capsys, "emit", export, "-o", link, "--force")
    assert rc == 0, err
    assert link.is_symlink() and (real / "manifest.json").is_file() and not (real / "old.txt").exists()
    assert stat.S_IMODE(real.stat().st_mode) == 0o700 and hidden(tmp_path) == []


def test_a_swap_stopped_between_its_two_renames_is_undone(tmp_path: Path) -> None:
    """Where renameat2 cannot exchange, the old folder is moved aside first: a run killed
    right then (target missing) gets its old folder moved back by the next run."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    out = tmp_path / "chunks"
    aside = tmp_path / f"{TEMP_PREFIX}{pid}-chunks.old"
    aside.mkdir()
    (aside / "manifest.json").write_text("{}")
    clean_debris(out)
    assert (out / "manifest.json").read_text() == "{}" and not aside.exists()


def test_the_fallback_swap_works_where_exchange_is_unsupported(capsys: pytest.CaptureFixture[str], tmp_path: Path, export: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from bulkedit.io import atomic

    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    out = tmp_path / "chunks"
    assert cli(capsys, "emit", export, "-o", out)[0] == 0
    rc, _, err = cli(capsys, "emit", export, "-o", out, "--force", "--max-bytes", "200000")
    assert rc == 0, err
    assert json.loads((out / "manifest.json").read_text())["options"]["max_bytes"] == 200000 and hidden(tmp_path) == []


# -- readers refuse a folder that does not match its manifest ----------------------------------


@pytest.fixture
def emitted(capsys: pytest.CaptureFixture[str], tmp_path: Path, export: Path) -> Path:
    out = tmp_path / "chunks"
    rc, _, err = cli(capsys, "emit", export, "-o", out, "--max-bytes", "200000")
    assert rc == 0, err
    return out


def damage(out: Path, how: str) -> str:
    """Damage emit folder `out` as a half-done swap would; returns what the refusal must name."""
    chunks = sorted(out.glob("db/chunk-*.json"))
    if how == "missing":
        chunks[-1].unlink()
        return f"chunk(s) it lists are missing: db/{chunks[-1].name}"
    if how == "extra":
        shutil.copy(chunks[0], out / "db" / "chunk-0099.json")
        return "chunk file(s) are not in it: db/chunk-0099.json"
    (out / "manifest.json").unlink()
    return f"holds chunk files (db/{chunks[0].name}"


@pytest.mark.parametrize("how", ["missing", "extra", "no-manifest"])
@pytest.mark.parametrize("command", ["lint", "diff", "errors"])
def test_readers_refuse_a_folder_that_does_not_match_its_manifest(capsys: pytest.CaptureFixture[str], tmp_path: Path, export: Path,
                                                                  emitted: Path, command: str, how: str) -> None:
    if command == "lint" and how == "extra":
        pytest.skip("lint reports a file the manifest does not list as finding BE704 (and lints it)")
    expect = damage(emitted, how)
    answer = tmp_path / "errors.json"
    answer.write_text("[]")
    args = {"lint": ["lint", emitted], "diff": ["diff", export, emitted], "errors": ["errors", answer, "--chunks", emitted]}[command]
    rc, _, err = cli(capsys, *args)
    assert rc == 2, err
    assert expect in err, err
