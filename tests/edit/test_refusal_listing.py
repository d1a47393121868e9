"""Every refused user can be listed: the text report shows the first 50 and says how to see all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulkedit.cli.app import main

EXPORT = Path(__file__).resolve().parents[2] / "fixtures" / "export.json.gz"  # 52 users


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text("edits:\n  - set: {email: same@x.com}\n", encoding="utf-8")
    return path


def test_text_lists_fifty_and_says_how_to_list_all(plan: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["edit", str(EXPORT), "--plan", str(plan), "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert out.count(" change-email [") == 50
    assert "first 50 of 52; --show-refusals 0 lists all" in out


@pytest.mark.parametrize(("args", "listed"), [(["--show-refusals", "0"], 52), (["--show-refusals", "3"], 3)])
def test_show_refusals(plan: Path, capsys: pytest.CaptureFixture[str], args: list[str], listed: int) -> None:
    assert main(["edit", str(EXPORT), "--plan", str(plan), "--dry-run", *args]) == 1
    assert capsys.readouterr().out.count(" change-email [") == listed


def test_json_lists_every_refusal(plan: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["edit", str(EXPORT), "--plan", str(plan), "--dry-run", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert len(data["refusals"]) == 52 == data["refusal_counts"]["change-email"]
    assert len({r["key"] for r in data["refusals"]}) == 52


@pytest.mark.parametrize(("cap", "kept"), [(None, 70), (50, 50)])
def test_a_second_process_adds_its_refusals_up_to_the_cap(cap: int | None, kept: int) -> None:
    from bulkedit.edit.apply import _Run
    from bulkedit.edit.result import Notice

    first, second = (_Run(None, object(), "user_id", 20, cap) for _ in range(2))  # type: ignore[arg-type]
    for run in (first, second):
        for i in range(35):
            run.refuse(Notice("change-email", "no", key=str(i)))
    first.absorb(second.export())
    assert len(first.refusals) == kept and first.refusal_counts == {"change-email": 70}
