"""Data-driven rule tests: tests/lint/cases/<CODE>.yaml, pass and fail cases per rule.

Each case writes its users to a file (a JSON array judged as an import file, or
`as: ndjson` for an export, `as: one-line` for a compact array, `as: unlisted-chunk`
for a file in an emit folder whose manifest does not list it), lints it with only that rule selected, and compares the
findings' (line, path) and, where given, words of the message. `pytest -k BE301` runs one rule.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from bulkedit.lint import LintOptions, lint
from bulkedit.lint.registry import all_rules
from bulkedit.paths import parse_path, set_path

CASES = Path(__file__).parent / "cases"


def _load() -> list:
    params = []
    for f in sorted(CASES.glob("BE*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        assert data["code"] == f.stem, f"{f.name} names code {data['code']}"
        for case in data["cases"]:
            params.append(pytest.param(data["code"], case, id=f"{data['code']}-{case['name']}"))
    return params


def _users(case_users: list, case: dict) -> list:
    users = copy.deepcopy(case_users)
    if "repeat" in case:
        template = users[0]
        users = [json.loads(json.dumps(template).replace("{i}", str(i))) for i in range(case["repeat"])]
    for path, n in (case.get("pad") or {}).items():
        for u in users:
            set_path(u, parse_path(path), "x" * n)
    return users


def _write(path: Path, users: list, as_: str) -> Path:
    if as_ == "ndjson":
        path.write_text("".join(json.dumps(u, ensure_ascii=False) + "\n" for u in users), encoding="utf-8")
    elif as_ == "one-line":  # a compact JSON array: every user on line 1
        path.write_text(json.dumps(users, ensure_ascii=False), encoding="utf-8")
    else:  # one user per line, like emit's chunks: line N is user N
        path.write_text("[" + ",\n".join(json.dumps(u, ensure_ascii=False) for u in users) + "]", encoding="utf-8")
    return path


@pytest.mark.parametrize(("code", "case"), _load())
def test_rule_case(code, case, tmp_path):
    as_ = case.get("as", "json")
    suffix = {"ndjson": ".ndjson", "csv": ".csv"}.get(as_, ".json")
    if as_ == "csv":  # the file's text as given
        paths = [tmp_path / "in0.csv"]
        paths[0].write_text(case["text"], encoding="utf-8")
    elif as_ == "unlisted-chunk":  # an import file inside an emit folder whose manifest lists nothing
        (tmp_path / "out" / "db").mkdir(parents=True)
        (tmp_path / "out" / "manifest.json").write_text('{"chunks": []}', encoding="utf-8")
        _write(tmp_path / "out" / "db" / "in0.json", _users(case["users"], case), "json")
        paths = [tmp_path / "out"]
    else:
        groups = case["files"] if "files" in case else [case["users"]]
        paths = [_write(tmp_path / f"in{i}{suffix}", _users(g, case), as_) for i, g in enumerate(groups)]
    backup = None
    if "backup" in case:
        backup = _write(tmp_path / "backup.ndjson", case["backup"], "ndjson")
    result = lint(paths, LintOptions(select=code, config={}, max_per_rule=0, backup=backup, connection=case.get("connection")))
    got = [f for f in result.findings if f.code == code]
    expect = case.get("expect", [])
    assert [(f.file.rsplit("/", 1)[-1], f.pos, f.path) for f in got] == [
        (f"in{e.get('file', 0)}{suffix}", e.get("pos"), e.get("path")) for e in expect
    ], [f.message for f in got]
    for f, e in zip(got, expect, strict=True):
        for word in e.get("message", []):
            assert word in f.message, f.message
        assert f.severity == e.get("severity", f.severity)


def test_every_rule_has_pass_and_fail_cases():
    codes = {f.stem: yaml.safe_load(f.read_text(encoding="utf-8")) for f in CASES.glob("BE*.yaml")}
    for rule in all_rules():
        assert rule.code in codes, f"no case file for {rule.code}"
        cases = codes[rule.code]["cases"]
        assert any(c.get("expect") for c in cases), f"{rule.code} has no failing case"
        assert any(not c.get("expect") for c in cases), f"{rule.code} has no passing case"
