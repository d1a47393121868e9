"""Golden output of every reporter on one small file, and json == the library's to_dict()."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bulkedit.cli.app import main
from bulkedit.lint import LintOptions, lint
from bulkedit.report.lint import RENDERERS

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("BULKEDIT_UPDATE_GOLDEN") == "1"


@pytest.fixture
def result(monkeypatch):
    monkeypatch.chdir(GOLDEN)
    return lint(["input.json"], LintOptions(config={}, max_per_rule=2))


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_golden(result, fmt):
    out = RENDERERS[fmt](result.to_dict())
    golden = GOLDEN / f"expected.{fmt}"
    if UPDATE:
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


def test_text_is_greppable(result):
    lines = RENDERERS["text"](result.to_dict()).splitlines()
    assert "input.json:2: BE101 'emial_verified' is not a field the import accepts (did you mean 'email_verified'?) [b2]" in lines
    assert any(line.startswith("input.json:1: BE102 ") for line in lines)


def test_a_count_over_the_whole_file_is_reported_at_the_file(tmp_path, monkeypatch):
    """BE001/BE002 count users of the whole file: no line, no user (it was `file:1 [first user]`)."""
    monkeypatch.chdir(tmp_path)
    Path("export.ndjson").write_text(
        "".join(json.dumps({"user_id": f"auth0|u{i}", "email": f"u{i}@x.io", "created_at": "2020-01-01T00:00:00.000Z"}) + "\n"
                for i in range(1200)),
        encoding="utf-8",
    )
    lines = RENDERERS["text"](lint(["export.ndjson"], LintOptions(config={})).to_dict()).splitlines()
    assert "export.ndjson: BE001 emit drops export-only field created_at (1,200 users)" in lines
    assert "export.ndjson: BE002 emit strips 'auth0|' from user_id (1,200 users)" in lines
    assert lines[-1] == "1,200 users in 1 file: 0 error(s), 0 warning(s), 2 info"


def test_first_n_per_rule_and_the_rest_counted(monkeypatch):
    monkeypatch.chdir(GOLDEN)
    res = lint(["input.json"], LintOptions(config={}, max_per_rule=1, select="BE1"))
    data = res.to_dict()
    shown = [f["code"] for f in data["findings"]]
    assert all(shown.count(c) == 1 for c in set(shown))
    assert data["rules"]["BE100"]["count"] == 1
    assert res.counts["BE101"] == 1


def test_sarif_is_valid_2_1_0(result):
    sarif = json.loads(RENDERERS["sarif"](result.to_dict()))
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for res in run["results"]:
        assert ids[res["ruleIndex"]] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        assert res["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1


def test_cli_json_equals_library(monkeypatch, capsys):
    monkeypatch.chdir(GOLDEN)
    rc = main(["lint", "input.json", "--format", "json"])
    assert rc == 1
    got = json.loads(capsys.readouterr().out)
    assert got == json.loads(json.dumps(lint(["input.json"], LintOptions(config={})).to_dict()))


def test_sarif_uris_are_percent_encoded(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my file#1.json").write_text('[{"email": "not-an-email"}]')
    assert main(["lint", "my file#1.json", "--format", "sarif"]) == 1
    sarif = json.loads(capsys.readouterr().out)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == {"my%20file%231.json"}
    assert main(["lint", str(tmp_path / "my file#1.json"), "--format", "sarif"]) == 1
    sarif = json.loads(capsys.readouterr().out)
    uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///") and uri.endswith("/my%20file%231.json")
