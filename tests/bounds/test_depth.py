"""The nesting limit the readers enforce is one every command works at (and one past it is refused)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from bulkedit.io import jsonio

from .conftest import cli, ndjson, user


def nested(levels: int) -> Any:
    """A value whose objects and lists nest `levels` deep (alternating, as metadata might)."""
    value: Any = 1
    for i in range(levels):
        value = {"a": value} if i % 2 else [value]
    return value


def deep_user(total: int) -> dict[str, Any]:
    """A user whose nesting, the user object included, is `total` levels deep."""
    u = user(1)
    u["user_metadata"] = {"deep": nested(total - 2)}
    assert jsonio.depth(u) == total
    return u


@pytest.mark.parametrize("command", ["inspect", "lint", "convert-csv", "convert-xlsx", "convert-json", "emit", "edit", "diff"])
def test_every_command_works_at_the_limit(capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str) -> None:
    src = tmp_path / "export.ndjson"
    src.write_text(ndjson([deep_user(jsonio.MAX_DEPTH), user(2)]))
    plan = tmp_path / "plan.yaml"
    plan.write_text("edits:\n  - set: {user_metadata.tier: basic}\n")
    edited = tmp_path / "edited.ndjson"
    edited.write_text(ndjson([deep_user(jsonio.MAX_DEPTH) | {"name": "changed"}, user(2)]))
    args = {
        "inspect": ["inspect", src],
        "lint": ["lint", src],
        "convert-csv": ["convert", src, "-o", tmp_path / "o.csv"],
        "convert-xlsx": ["convert", src, "-o", tmp_path / "o.xlsx"],
        "convert-json": ["convert", src, "-o", tmp_path / "o.json"],
        "emit": ["emit", src, "-o", tmp_path / "chunks"],
        "edit": ["edit", src, "--plan", plan, "-o", tmp_path / "e.ndjson"],
        "diff": ["diff", src, edited],
    }[command]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # the interpreter's default, however deep the test runner's own stack is
    try:
        rc, out, err = cli(capsys, *args)
    finally:
        sys.setrecursionlimit(limit)
    assert rc in (0, 1) and "internal error" not in err and "nested" not in err, err
    if command.startswith("convert"):
        back = tmp_path / f"o.{command.split('-')[1]}"
        rc, out, err = cli(capsys, "convert", back, "-o", tmp_path / "back.ndjson")
        assert rc == 0, err
        assert [json.loads(line) for line in (tmp_path / "back.ndjson").read_text().splitlines()][0] == deep_user(jsonio.MAX_DEPTH)


@pytest.mark.parametrize("layout", ["ndjson", "json", "pretty"])
def test_one_level_past_the_limit_is_refused_by_every_reader(capsys: pytest.CaptureFixture[str], tmp_path: Path, layout: str) -> None:
    users = [user(0), deep_user(jsonio.MAX_DEPTH + 1)]
    src = tmp_path / f"users.{'ndjson' if layout == 'ndjson' else 'json'}"
    if layout == "ndjson":
        text = ndjson(users)
    elif layout == "json":
        text = "[\n" + ",\n".join(json.dumps(u) for u in users) + "\n]\n"
    else:
        text = json.dumps(users, indent=1)
    src.write_text(text)
    rc, _, err = cli(capsys, "inspect", src)
    assert rc == 2
    assert f"objects and lists are nested more than {jsonio.MAX_DEPTH} levels deep" in err
    starts = text.count("\n", 0, text.rindex("{", 0, text.index(f"auth0|{1:024x}"))) + 1
    assert f"{src}:{starts}:" in err
