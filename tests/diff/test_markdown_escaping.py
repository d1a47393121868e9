"""The markdown report shows every value, path and name exactly as it is, whatever characters it holds.

Rendered with markdown-it (CommonMark + GFM tables, as GitHub renders a PR comment):
each cell must read back as the report's own value.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bulkedit.diff import diff
from bulkedit.io import jsonio
from bulkedit.io.read import read_users
from bulkedit.report.diff import render_markdown
from tests.diff.conftest import EXPORT, write_ndjson

markdown_it = pytest.importorskip("markdown_it")

NASTY = ["a`b", "``x", "`", "a|b", "a\\b", "a\\|b", "x ` y", " `pad` ", "*bold* _it_ <b>&amp;</b> [l](u) ~s~", "\\`"]


def _cells(md: str) -> list[list[tuple[str, str]]]:
    """Rows of the users table: each cell as (text, 'code' or 'text')."""
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(md)
    rows: list[list[tuple[str, str]]] = []
    in_body = False
    for t in tokens:
        if t.type == "tbody_open":
            in_body = True
            rows = []  # the users table is the last one
        elif t.type == "tbody_close":
            in_body = False
        elif in_body and t.type == "tr_open":
            rows.append([])
        elif in_body and t.type == "inline":
            kinds = {c.type for c in t.children or []}
            text = "".join(c.content for c in t.children or [] if c.type in ("text", "code_inline"))
            rows[-1].append((text, "code" if kinds == {"code_inline"} else "text"))
    return rows


def _report(tmp_path: Path) -> tuple[dict[str, Any], str]:
    users = read_users(EXPORT)[: len(NASTY)]
    cand = copy.deepcopy(users)
    for u, value in zip(cand, NASTY):
        u.setdefault("user_metadata", {})[value] = value  # a nasty key (in the path) holding a nasty value
        u["given_name"] = value
    cand[0]["email"] = "we`ird|*addr*@example.com"  # shown as the user's label (plain text)
    data = diff(write_ndjson(tmp_path / "b.ndjson", users), write_ndjson(tmp_path / "c.ndjson", cand)).to_dict()
    return data, render_markdown(data, limit=None)


def test_values_and_paths_read_back_exactly(tmp_path: Path) -> None:
    data, md = _report(tmp_path)
    expected = []
    for u in data["users"]:
        for ch in u["changes"]:
            old = jsonio.dumps(ch["old"]).decode() if "old" in ch else "(absent)"
            new = jsonio.dumps(ch["new"]).decode() if "new" in ch else "(absent)"
            expected.append([(ch["path"], "code"), (old, "code"), (new, "code")])
    got = [[row[2], row[3], row[4]] for row in _cells(md)]
    assert got == expected
    assert "'" not in "".join(c for row in got for c, _ in row if "`" in c)  # no backtick turned into a quote


def test_user_labels_are_plain_text_shown_exactly(tmp_path: Path) -> None:
    data, md = _report(tmp_path)
    first_rows = [row for row in _cells(md) if row[0][0]]
    labels = [u["key"] + (f" {u['email']}" if u["email"] and u["email"] != u["key"] else "") for u in data["users"]]
    assert [row[0][0] for row in first_rows] == labels
    assert any("we`ird|*addr*@example.com" in label for label in labels)


def test_file_names_in_the_heading_read_back(tmp_path: Path) -> None:
    data, _ = _report(tmp_path)
    data["backup"], data["candidate"] = "odd`name|1.ndjson", "``two``.json"
    md = render_markdown(data)
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(md)
    heading = next(t for t in tokens if t.type == "inline" and "matched by" in t.content)
    codes = [c.content for c in heading.children or [] if c.type == "code_inline"]
    assert codes[:2] == ["odd`name|1.ndjson", "``two``.json"]
