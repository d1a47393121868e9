"""The file system says no (full, read-only, no permission): a clear error, exit 2, nothing left behind."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import USERS, SmallDisk, cli, ndjson


def commands(src: Path, out: Path, tmp_path: Path) -> dict[str, tuple[list[Any], Path]]:
    """command -> (arguments, the output it writes) for every command that writes a file or folder."""
    plan = tmp_path / "plan.yaml"
    plan.write_text("edits:\n  - set: {user_metadata.tier: basic}\n")
    edited = tmp_path / "edited.ndjson"
    # every user changed, each with a finding (a metadata key with a dot): a report of hundreds of KB
    edited.write_text(ndjson([dict(u, name="changed", user_metadata={"a.b": 1}) for u in USERS]))
    return {
        "convert-ndjson": (["convert", src, "-o", out / "users.ndjson"], out / "users.ndjson"),
        "convert-json-gz": (["convert", src, "-o", out / "users.json.gz"], out / "users.json.gz"),
        "convert-csv": (["convert", src, "-o", out / "users.csv"], out / "users.csv"),
        "convert-xlsx": (["convert", src, "-o", out / "users.xlsx"], out / "users.xlsx"),
        "edit": (["edit", src, "--plan", plan, "-o", out / "edited.ndjson"], out / "edited.ndjson"),
        "lint-o": (["lint", edited, "--format", "json", "--max-per-rule", "0", "-o", out / "report.json"], out / "report.json"),
        "diff-o": (["diff", src, edited, "--format", "json", "-o", out / "diff.json"], out / "diff.json"),
        "emit": (["emit", src, "-o", out / "chunks"], out / "chunks"),
    }


NAMES = ["convert-ndjson", "convert-json-gz", "convert-csv", "convert-xlsx", "edit", "lint-o", "diff-o", "emit"]


@pytest.mark.parametrize("name", NAMES)
def test_a_full_disk_is_a_clear_error_and_leaves_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path, small_disk: SmallDisk,
                                                        export: Path, name: str) -> None:
    args, target = commands(export, small_disk.path, tmp_path)[name]
    small_disk.fill(leave=24 << 10)  # room for the start of any output, not for all of it
    rc, _, err = cli(capsys, *args)
    assert rc == 2, err
    assert re.search(rf"cannot write {re.escape(str(target))}: the disk is full \(wrote [0-9.]+ of [0-9.]+ MB\); nothing was changed", err), err
    assert "internal error" not in err
    assert small_disk.files() == ["filler"]  # no temp file, part file or half folder left on the full disk


@pytest.mark.parametrize("name", NAMES)
def test_a_read_only_file_system_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path, small_disk: SmallDisk,
                                                  export: Path, name: str) -> None:
    args, target = commands(export, small_disk.path, tmp_path)[name]
    small_disk.read_only()
    rc, _, err = cli(capsys, *args)
    assert rc == 2, err
    assert f"cannot write {target}: {small_disk.path} is on a read-only file system; nothing was changed" in err
    assert small_disk.files() == []


@pytest.mark.parametrize("code", [errno.EACCES, errno.EPERM], ids=["not-permitted", "immutable"])
@pytest.mark.parametrize("name", NAMES)
def test_a_folder_one_may_not_write_to_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path, export: Path,
                                                        monkeypatch: pytest.MonkeyPatch, name: str, code: int) -> None:
    """root may write anywhere, so the refusal a user gets (EACCES; EPERM for an immutable folder) is injected."""
    locked = tmp_path / "locked"
    locked.mkdir()
    args, target = commands(export, locked, tmp_path)[name]
    real_open, real_mkdir = os.open, os.mkdir

    def refuse(path: Any) -> None:
        if Path(os.fsdecode(path)).parent == locked:
            raise PermissionError(code, os.strerror(code), os.fsdecode(path))

    def guarded_open(path: Any, flags: int, *a: Any, **kw: Any) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            refuse(path)
        return real_open(path, flags, *a, **kw)

    def guarded_mkdir(path: Any, *a: Any, **kw: Any) -> None:
        refuse(path)
        real_mkdir(path, *a, **kw)

    monkeypatch.setattr(os, "open", guarded_open)
    monkeypatch.setattr(os, "mkdir", guarded_mkdir)
    rc, _, err = cli(capsys, *args)
    assert rc == 2, err
    assert f"cannot write {target}: permission denied in folder {locked}; nothing was changed" in err
    assert list(locked.iterdir()) == []


def test_a_full_disk_reported_only_when_the_file_is_flushed_leaves_no_truncated_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Network, FUSE and quota file systems may take every write and refuse at the flush: no
    truncated report may be left behind, and no exit 0 (the old `lint -o` on a full disk)."""

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    out = tmp_path / "out"
    out.mkdir()
    rc, _, err = cli(capsys, "lint", export, "-o", out / "report.txt")
    assert rc == 2 and f"cannot write {out / 'report.txt'}: the disk is full (wrote" in err
    assert list(out.iterdir()) == []
