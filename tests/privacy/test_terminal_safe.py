"""No text report or message prints a control or bidi character raw (issue 17, group 2).

A user_id, a name, a metadata key or a job answer's code holding `ESC]0;title BEL`,
`ESC[2J`, an OSC 8 hyperlink, a bare `\\r` or a bidi override is shown escaped
(`\\x1b`, `\\r`, `\\u202e`) by every text, markdown and html report and every
message on stderr, so a crafted export cannot clear the screen, retitle the
terminal, plant a link or overwrite a line with "0 changes".
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkedit.cli.app import main
from bulkedit.privacy import text_safe

#: What must never reach a terminal raw (a line feed between report lines is fine).
UNSAFE = (
    [chr(c) for c in range(0x20) if c != 0x0A]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + list("\u061c\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")
)
HOSTILE = {
    "title": "\x1b]0;owned\x07",
    "clear": "\x1b[2J\x1b[H",
    "osc8": "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\",
    "cr": "x\r0 changes, all clear",
    "bidi": "\u202egnp.exe",
    "c1-csi": "\x9b2J",
}


def _raw(text: str) -> list[str]:
    return sorted({c for c in text if c in UNSAFE})


def _user(i: int, evil: str) -> dict[str, Any]:
    return {
        "user_id": f"auth0|{i}{evil}",
        "email": f"u{i}@example.com",
        "email_verified": True,
        "name": f"Name {evil}",
        "created_at": "2021-04-11T13:26:20.581Z",
        "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0", "user_id": f"{i}{evil}", "isSocial": False}],
        "user_metadata": {f"k{evil}": evil, "plan": "free"},
    }


def _ndjson(path: Path, users: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(u) + "\n" for u in users), "utf-8")
    return path


def _outputs(d: Path, evil: str, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """Every text-like report and every stderr message of diff, lint, edit, inspect and errors on hostile data."""
    backup = _ndjson(d / "backup.ndjson", [_user(0, evil), _user(1, evil)])
    changed = [_user(0, evil), _user(1, evil)]
    changed[0]["name"] = f"New {evil}"
    changed[1]["user_metadata"]["plan"] = evil
    changed.append(_user(2, evil))
    cand = _ndjson(d / "cand.ndjson", changed)
    plan = d / "plan.json"
    plan.write_text(json.dumps({"edits": [{"set": {"nickname": evil, "user_metadata.plan": f"p{evil}"}}]}), "utf-8")
    bad_plan = d / "bad.json"
    bad_plan.write_text(json.dumps({"edits": [{"where": {"name": {"matches": f"({evil}"}}, "set": {"nickname": "x"}}]}), "utf-8")
    answer = d / "errors.json"
    answer.write_text(json.dumps([{"user": {"email": "u0@example.com", "user_id": f"0{evil}"},
                                   "errors": [{"code": f"CODE{evil}", "message": f"bad {evil}", "path": f"user_metadata.k{evil}"}]}]), "utf-8")
    runs = {
        "diff-text": ["diff", str(backup), str(cand)],
        "diff-markdown": ["diff", str(backup), str(cand), "--format", "markdown"],
        "diff-html": ["diff", str(backup), str(cand), "--format", "html"],
        "lint-text": ["lint", str(cand)],
        "lint-github": ["lint", str(cand), "--format", "github"],
        "edit-dry-run": ["edit", str(backup), "--plan", str(plan), "-o", str(d / "o.ndjson"), "--dry-run"],
        "edit": ["edit", str(backup), "--plan", str(plan), "-o", str(d / "o.ndjson")],
        "edit-plan-error": ["edit", str(backup), "--plan", str(bad_plan), "-o", str(d / "o2.ndjson"), "--dry-run"],
        "inspect": ["inspect", str(cand)],
        "errors-text": ["errors", str(answer), "--source", str(cand)],
        "errors-markdown": ["errors", str(answer), "--format", "markdown"],
        "missing-file": ["lint", str(d / f"missing{evil}.ndjson")],
    }
    out = {}
    for name, args in runs.items():
        main(args)
        cap = capsys.readouterr()
        out[name] = cap.out + cap.err
    return out


@pytest.mark.parametrize("evil", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_sequences_are_shown_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str], evil: str) -> None:
    outputs = _outputs(tmp_path, evil, capsys)
    bad = {name: _raw(text) for name, text in outputs.items() if _raw(text)}
    assert not bad
    assert text_safe(evil) in outputs["diff-text"]  # shown, escaped: a reviewer sees what is there


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.sampled_from(UNSAFE), min_size=1, max_size=4).map("".join))
def test_no_control_character_reaches_the_terminal(capsys: pytest.CaptureFixture[str], evil: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        outputs = _outputs(Path(d), evil, capsys)
    assert not {name: _raw(text) for name, text in outputs.items() if _raw(text)}


@given(st.text())
def test_text_safe_leaves_nothing_raw_and_keeps_the_rest(s: str) -> None:
    shown = text_safe(s)
    assert not _raw(shown.replace("\n", ""))
    assert "\n" not in shown or "\n" not in s  # a line feed inside a value is escaped too
    if not _raw(s) and "\n" not in s:
        assert shown == s
