"""A plan that writes a top-level field Auth0's import rejects is a plan error unless the step opts in (issue 14, item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulkedit.cli.app import main

ROOT = Path(__file__).resolve().parents[2]
EXPORT = ROOT / "fixtures" / "export.json.gz"


@pytest.mark.parametrize("step", ["set: {famly_name: X}", "merge: {prefs: {a: 1}}", "template: {full: '{given_name}'}",
                                  "rename: {given_name: givn_name}"])
def test_writing_an_unknown_root_field_is_a_plan_error(tmp_path: Path, capsys, step: str) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"edits:\n  - {step}\n")
    out = tmp_path / "out.ndjson"
    assert main(["edit", str(EXPORT), "--plan", str(plan), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{plan}:2:" in err and "does not accept" in err and "allow_unknown_fields" in err
    assert not out.exists()


def test_the_step_may_opt_in(tmp_path: Path, capsys) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text("edits:\n  - set: {legacy_id: X}\n    allow_unknown_fields: true\n")
    out = tmp_path / "out.ndjson"
    assert main(["edit", str(EXPORT), "--plan", str(plan), "-o", str(out)]) == 0
    users = [json.loads(line) for line in out.read_text().splitlines()]
    assert all(u["legacy_id"] == "X" for u in users)


def test_reading_or_unsetting_an_unknown_field_is_no_error(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text("edits:\n  - where: {legacy: 1}\n    unset: [legacy]\n")
    assert main(["edit", str(EXPORT), "--plan", str(plan), "-o", str(tmp_path / "o.ndjson")]) == 0
