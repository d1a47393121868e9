"""Progress on every long step: a bar on stderr only on a terminal, never with --format json."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import bulkedit.cli.progress as progress_mod

from .conftest import FIXTURES, run

EXPORT = FIXTURES / "export.json.gz"
PLAN = FIXTURES / "plans" / "example.yaml"


class Bars:
    """Records the bars drawn: label -> (total, every value reported)."""

    def __init__(self) -> None:
        self.drawn: dict[str, tuple[int, list[int]]] = {}

    @contextlib.contextmanager
    def bar(self, label: str, total: int) -> Iterator[object]:
        seen: list[int] = []
        self.drawn[label] = (total, seen)
        yield seen.append


@pytest.fixture
def bars(monkeypatch: pytest.MonkeyPatch) -> Bars:
    rec = Bars()
    monkeypatch.setattr(progress_mod, "stderr_is_terminal", lambda: True)
    monkeypatch.setattr(progress_mod, "_bar", rec.bar)
    monkeypatch.setattr("bulkedit.io.read.source.PROGRESS_EVERY", 5)  # the fixtures hold 52 users
    return rec


def _edited(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    out = tmp_path / "edited.ndjson"
    assert run(capsys, "edit", EXPORT, "--plan", PLAN, "-o", out)[0] == 0
    return out


def _check(bars: Bars, label: str, total: int) -> None:
    assert label in bars.drawn, bars.drawn
    got_total, seen = bars.drawn[label]
    assert got_total == total
    assert len(seen) >= 3 and seen == sorted(seen) and seen[-1] == total  # moves along, ends full


def test_emit_with_backup_counts_the_backup_then_the_input(bars: Bars, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edited = _edited(tmp_path, capsys)
    bars.drawn.clear()
    rc, _, err = run(capsys, "emit", edited, "-o", tmp_path / "chunks", "--backup", EXPORT)
    assert rc == 0, err
    _check(bars, "emit", edited.stat().st_size + EXPORT.stat().st_size)


def test_lint_with_backup(bars: Bars, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edited = _edited(tmp_path, capsys)
    rc, _, err = run(capsys, "lint", edited, "--backup", EXPORT)
    assert rc == 0, err
    _check(bars, "lint", edited.stat().st_size + EXPORT.stat().st_size)


def test_lint_of_an_emit_folder_counts_its_chunks(bars: Bars, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chunks = tmp_path / "chunks"
    assert run(capsys, "emit", EXPORT, "-o", chunks)[0] == 0
    rc, _, _ = run(capsys, "lint", chunks)
    total = sum(p.stat().st_size for p in chunks.rglob("*.json") if p.name != "manifest.json" and "rollback" not in p.parts)
    assert rc == 0 and bars.drawn["lint"][0] == total


def test_edit_sheet_reading_back_and_the_backup(bars: Bars, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "users.csv"
    shutil.copy(FIXTURES / "export-dashboard.csv", sheet)
    rc, _, err = run(capsys, "edit", EXPORT, "--sheet", sheet, "-o", tmp_path / "out.ndjson")
    assert rc in (0, 1), err
    _check(bars, "sheet", sheet.stat().st_size + EXPORT.stat().st_size)


@pytest.mark.parametrize("reader", ["streaming", "openpyxl"])
def test_reading_an_xlsx_counts_its_bytes_as_the_bar_shows_them(
    bars: Bars, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    """The bar's total is the file's size: reading a workbook reports the share of it read, in
    bytes, not a count of rows (which left the bar near empty, then jumped to full)."""
    sheet = tmp_path / "users.xlsx"
    assert run(capsys, "convert", EXPORT, "-o", sheet)[0] == 0
    if reader == "openpyxl":
        from bulkedit.io import xlsxread

        def gives_up(*_: object) -> object:
            raise xlsxread.XlsxError("not understood")

        monkeypatch.setattr(xlsxread, "Workbook", gives_up)
    bars.drawn.clear()
    assert run(capsys, "convert", sheet, "-o", tmp_path / "back.ndjson")[0] == 0
    _check(bars, "convert", sheet.stat().st_size)
    assert all(0 <= v <= sheet.stat().st_size for v in bars.drawn["convert"][1])
    bars.drawn.clear()
    rc, _, err = run(capsys, "edit", EXPORT, "--sheet", sheet, "-o", tmp_path / "out.ndjson")
    assert rc == 0, err
    _check(bars, "sheet", sheet.stat().st_size + EXPORT.stat().st_size)


def test_no_terminal_no_bar(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec = Bars()
    monkeypatch.setattr(progress_mod, "_bar", rec.bar)  # stderr is captured: not a terminal
    rc, _, err = run(capsys, "lint", EXPORT, "--backup", EXPORT)
    assert rc == 0 and rec.drawn == {} and "\x1b[" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["lint", EXPORT, "--backup", EXPORT, "--format", "json"],
        ["inspect", EXPORT, "--format", "json"],
        ["diff", EXPORT, EXPORT, "--format", "json"],
        ["edit", EXPORT, "--plan", PLAN, "--dry-run", "--format", "json"],
    ],
)
def test_json_format_gets_no_bar_even_on_a_terminal(bars: Bars, capsys: pytest.CaptureFixture[str], args: list[object]) -> None:
    rc, out, err = run(capsys, *args)
    assert rc == 0, err
    assert bars.drawn == {} and "\x1b[" not in out + err


def test_the_real_bar_draws_on_stderr(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(progress_mod, "stderr_is_terminal", lambda: True)
    rc, out, err = run(capsys, "lint", EXPORT, "--backup", EXPORT)
    assert rc == 0 and "lint" in err and "\x1b[" in err
    assert "\x1b[" not in out  # the report itself stays plain
