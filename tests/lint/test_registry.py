"""The registry: codes, names, docs, selection by prefix, severities from pyproject.toml; docs/rules.md is current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bulkedit.cli.app import main
from bulkedit.errors import UsageError
from bulkedit.lint import LintOptions, lint
from bulkedit.lint.docs import render
from bulkedit.lint.registry import all_rules, config_from_pyproject, select_rules

ROOT = Path(__file__).resolve().parents[2]


def test_rules_have_codes_names_and_docs():
    rules = all_rules()
    assert len({r.code for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)
    for r in rules:
        assert re.fullmatch(r"BE\d{3}", r.code)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.name)
        for part in ("Why:", "Example:", "Fix:"):
            assert part in r.doc, f"{r.code} doc lacks {part}"


def test_docs_rules_md_is_complete_and_current():
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert text == render(), "docs/rules.md is stale: run `make docs`"
    for r in all_rules():
        assert f"### {r.code} {r.name}" in text


@pytest.mark.parametrize(
    ("select", "ignore", "expect_in", "expect_out"),
    [
        ("BE2", None, {"BE201", "BE202", "BE203"}, {"BE301", "BE101"}),
        ("BE3,BE201", "BE302", {"BE301", "BE303", "BE201"}, {"BE302", "BE202"}),
        (None, "BE0,BE8", {"BE100", "BE701"}, {"BE001", "BE801"}),
    ],
)
def test_select_and_ignore_by_prefix(select, ignore, expect_in, expect_out):
    sel = select_rules(select, ignore, {})
    assert expect_in <= set(sel.severities)
    assert not expect_out & set(sel.severities)


def test_unknown_prefix_is_a_usage_error():
    with pytest.raises(UsageError, match="BE9"):
        select_rules("BE9", None, {})


def test_severity_override_from_pyproject(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.bulkedit]\nseverity = { BE302 = "error", BE605 = "off" }\n')
    conf = config_from_pyproject(tmp_path)
    sel = select_rules(None, None, conf)
    assert sel.severities["BE302"] == "error"
    assert "BE605" not in sel.severities
    data = tmp_path / "u.json"
    data.write_text('[{"email": "Ana@x.io"}]')
    monkeypatch.chdir(tmp_path)
    assert main(["lint", "u.json"]) == 1  # the upper-case email is now an error
    (tmp_path / "pyproject.toml").write_text('[tool.bulkedit]\nseverity = { BE302 = "loud" }\n')
    assert main(["lint", "u.json"]) == 2


def test_bad_override_code(tmp_path):
    with pytest.raises(UsageError, match="BE999"):
        select_rules(None, None, {"severity": {"BE999": "error"}})


def test_ignored_rule_is_not_reported_as_schema_violation(tmp_path):
    f = tmp_path / "u.json"
    f.write_text('[{"email": "a@x.io", "emial": 1}]')
    res = lint([f], LintOptions(config={}, ignore="BE101"))
    assert res.counts == {}
    res = lint([f], LintOptions(config={}))
    assert res.counts == {"BE101": 1}
