"""Data-driven edit cases: one file per step and per operator in tests/edit/cases/.

Each case: `users` (input), `plan`, and either `expected` (the users after the plan),
`selected` (user_ids a `set: {nickname: hit}` step must select), or `refusals`
(codes; then nothing may be written). Optional: `changed` (users changed),
`warnings` ({code: count}), `files` ({name: text} written next to the plan).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bulkedit.edit.apply import apply_edits
from bulkedit.edit.plan import load_plan
from bulkedit.edit.values import same
from bulkedit.io.read import open_source, read_users

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def run_case(case: dict[str, Any], tmp: Path) -> tuple[Any, Path]:
    src = tmp / "in.ndjson"
    src.write_text("".join(json.dumps(u, ensure_ascii=False) + "\n" for u in case["users"]), encoding="utf-8")
    for name, text in (case.get("files") or {}).items():
        (tmp / name).write_text(text, encoding="utf-8")
    plan_file = tmp / "plan.json"
    plan_file.write_text(json.dumps(case["plan"]), encoding="utf-8")
    out = tmp / "out.ndjson"
    result = apply_edits(open_source(src), load_plan(plan_file), out)
    return result, out


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path, tmp_path: Path) -> None:
    case = _load(path)
    result, out = run_case(case, tmp_path)
    if "refusals" in case:
        assert result.refused
        assert sorted(result.refusal_counts) == sorted(case["refusals"])
        assert not out.exists(), "a refused edit must write nothing"
        assert all(r.where and r.where.startswith(str(tmp_path / "in.ndjson") + ":") for r in result.refusals)
        return
    assert not result.refused, result.refusals
    got = read_users(out)
    if "selected" in case:
        expected = [
            {**u, "nickname": "hit"} if u["user_id"] in case["selected"] else u for u in case["users"]
        ]
    else:
        expected = case["expected"]
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert same(g, e), f"\n got {g}\nwant {e}"
        assert list(g) == list(e), "key order"
    if "changed" in case:
        assert result.users_changed == case["changed"]
    for code, n in (case.get("warnings") or {}).items():
        assert result.warning_counts.get(code) == n, result.warnings
    if not case.get("warnings"):
        assert "step-selected-none" not in result.warning_counts


def test_every_step_and_operator_has_a_case() -> None:
    from bulkedit.edit.planfile import OPERATORS, STEP_ACTIONS

    names = {p.stem for p in CASES}
    for action in STEP_ACTIONS:
        assert f"step_{action}" in names
    for op in (*OPERATORS, "any", "all", "not"):
        assert f"op_{op}" in names
