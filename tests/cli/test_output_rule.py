"""One rule for every command that writes: an existing output file or a non-empty output
folder is refused (exit 1, nothing written) unless --force, which replaces it atomically."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from .conftest import FIXTURES, run

EXPORT = FIXTURES / "export.json.gz"
PLAN = FIXTURES / "plans" / "example.yaml"
JOBS = FIXTURES / "job-errors"


def commands(tmp_path: Path) -> dict[str, tuple[list[Any], Path]]:
    """command -> (its arguments without --force, the output it writes)."""
    edited = tmp_path / "export.json.gz"  # clean for lint and emit
    shutil.copy(EXPORT, edited)
    out = tmp_path / "out"
    out.mkdir()
    return {
        "convert": (["convert", EXPORT, "-o", out / "users.json"], out / "users.json"),
        "convert-csv": (["convert", EXPORT, "-o", out / "users.csv"], out / "users.csv"),
        "edit": (["edit", EXPORT, "--plan", PLAN, "-o", out / "edited.ndjson"], out / "edited.ndjson"),
        "edit-sheet": (["edit", EXPORT, "--sheet", FIXTURES / "export-dashboard.csv", "-o", out / "s.ndjson"], out / "s.ndjson"),
        "lint": (["lint", edited, "-o", out / "lint.txt"], out / "lint.txt"),
        "diff": (["diff", EXPORT, edited, "--format", "html", "-o", out / "diff.html"], out / "diff.html"),
        "emit": (["emit", edited, "-o", out / "chunks"], out / "chunks"),
        "errors": (
            ["errors", JOBS / "errors-job1.json", "--chunks", JOBS / "chunks", "--source", JOBS / "edited-fixed.ndjson", "-o", out / "retry"],
            out / "retry",
        ),
    }


NAMES = ["convert", "convert-csv", "edit", "lint", "diff", "emit", "errors"]


def _occupy(target: Path, folder: bool) -> None:
    if folder:
        target.mkdir()
        (target / "old.txt").write_text("a person's file\n")
    else:
        target.write_text("a person's file\n")


@pytest.mark.parametrize("name", NAMES)
def test_an_existing_output_is_refused_without_force(capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str) -> None:
    args, target = commands(tmp_path)[name]
    folder = name in ("emit", "errors")
    _occupy(target, folder)
    before = sorted(p.name for p in target.parent.rglob("*"))
    rc, out, err = run(capsys, *args)
    assert rc == 1, err
    assert "refused output:" in err and "--force" in err
    assert sorted(p.name for p in target.parent.rglob("*")) == before  # nothing written, no temp file left
    assert (target / "old.txt" if folder else target).read_text() == "a person's file\n"


@pytest.mark.parametrize("name", NAMES)
def test_force_replaces_it(capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str) -> None:
    args, target = commands(tmp_path)[name]
    folder = name in ("emit", "errors")
    _occupy(target, folder)
    rc, _, err = run(capsys, *args, "--force")
    assert rc == 0, err
    if folder:
        assert not (target / "old.txt").exists() and (target / "manifest.json").is_file()
    else:
        assert target.read_text(encoding="utf-8") != "a person's file\n"
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("name", NAMES)
def test_a_new_output_needs_no_force(capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str) -> None:
    args, target = commands(tmp_path)[name]
    rc, _, err = run(capsys, *args)
    assert rc == 0, err
    assert target.exists()


def test_edit_with_a_sheet_follows_the_rule_before_reading(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    args, target = commands(tmp_path)["edit-sheet"]
    target.write_text("keep\n")
    rc, _, err = run(capsys, *args)
    assert rc == 1 and "refused output:" in err and target.read_text() == "keep\n"


def test_a_csv_output_whose_sidecar_exists_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    args, target = commands(tmp_path)["convert-csv"]
    sidecar = target.with_name(target.name + ".bulkedit.json")
    sidecar.write_text("{}")
    rc, _, err = run(capsys, *args)
    assert rc == 1 and f"{sidecar} already exists" in err and not target.exists()
    rc, _, err = run(capsys, *args, "--force")
    assert rc == 0 and target.exists() and sidecar.read_text() != "{}"


def test_a_dangling_symlink_counts_as_existing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    args, target = commands(tmp_path)["convert"]
    target.symlink_to(tmp_path / "nowhere.json")
    rc, _, err = run(capsys, *args)
    assert rc == 1 and "refused output:" in err and target.is_symlink()


def test_a_device_is_still_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, _, err = run(capsys, "diff", EXPORT, EXPORT, "-o", "/dev/null")
    assert rc == 2 and "not a regular file" in err


def test_dry_run_writes_nothing_and_needs_no_force(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    args, target = commands(tmp_path)["edit"]
    target.write_text("keep\n")
    rc, _, _ = run(capsys, "edit", EXPORT, "--plan", PLAN, "--dry-run")
    assert rc == 0 and target.read_text() == "keep\n"
