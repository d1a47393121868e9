"""The documentation covers the product: every page is in the site's nav, every command of the
app has a page naming each of its options, and the README stays short and links to pages that
exist. Reads mkdocs.yml as plain YAML, so it needs no mkdocs installed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
import yaml

from bulkedit.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
README_MAX_LINES = 200

CLI = typer.main.get_command(app)
COMMANDS = getattr(CLI, "commands", {})


def _nav_pages(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [page for item in node for page in _nav_pages(item)]
    if isinstance(node, dict):
        return [page for value in node.values() for page in _nav_pages(value)]
    return []


def _mentions(text: str, flag: str) -> bool:
    """`flag` appears as a whole word: `--map` is not found inside `--mapping` or `x--map`."""
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text) is not None


def _flags(command: object) -> list[str]:
    flags: list[str] = []
    for param in getattr(command, "params", []):
        if getattr(param, "param_type_name", "") != "option" or getattr(param, "hidden", False):
            continue
        flags += [*param.opts, *param.secondary_opts]
    return flags


def test_every_page_is_in_the_nav_and_every_nav_entry_exists():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    nav = _nav_pages(config["nav"])
    assert len(nav) == len(set(nav)), "a page is twice in the nav of mkdocs.yml"
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert sorted(pages - set(nav)) == [], "pages missing from the nav of mkdocs.yml"
    assert sorted(set(nav) - pages) == [], "nav entries of mkdocs.yml without a page"


def test_the_app_has_commands():
    # guards the tests below against an app read wrongly (no commands: nothing checked)
    assert {"inspect", "convert", "edit", "diff", "lint", "emit", "errors"} <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_a_page_naming_each_option(name: str):
    page = DOCS / "commands" / f"{name}.md"
    assert page.is_file(), f"`bulkedit {name}` has no page: write docs/commands/{name}.md and add it to mkdocs.yml"
    text = page.read_text(encoding="utf-8")
    missing = [flag for flag in _flags(COMMANDS[name]) if not _mentions(text, flag)]
    assert missing == [], f"docs/commands/{name}.md does not mention {missing}"
    assert f"bulkedit {name}" in text, f"docs/commands/{name}.md shows no example of `bulkedit {name}`"


def test_global_options_are_documented():
    text = (DOCS / "commands" / "index.md").read_text(encoding="utf-8")
    missing = [flag for flag in _flags(CLI) if not _mentions(text, flag)]
    assert missing == [], f"docs/commands/index.md does not mention {missing}"
    assert _flags(CLI), "the app's own options were not found"


def test_readme_is_short_lists_every_command_and_links_to_pages_that_exist():
    text = README.read_text(encoding="utf-8")
    lines = text.count("\n")
    assert lines < README_MAX_LINES, f"README.md has {lines} lines; keep it under {README_MAX_LINES} (move detail to docs/)"
    for name in COMMANDS:
        assert f"bulkedit {name}" in text, f"README.md does not list `bulkedit {name}`"
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [t.split("#")[0] for t in targets if not re.match(r"[a-z]+:", t) and not t.startswith("#")]
    assert local, "README.md links to no docs page"
    broken = [t for t in local if t and not (ROOT / t).exists()]
    assert broken == [], f"README.md links to files that do not exist: {broken}"


def test_docs_links_between_pages_resolve():
    broken = []
    for page in DOCS.rglob("*.md"):
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            path = target.split("#")[0]
            if not path or re.match(r"[a-z]+:", path):
                continue
            if not (page.parent / path).resolve().exists():
                broken.append(f"{page.relative_to(DOCS)} -> {target}")
    assert broken == [], f"links to pages that do not exist: {broken}"


def _anchors(page: Path) -> set[str]:
    """The ids mkdocs' toc gives the headings of `page` (markdown's default slugify)."""
    out = set()
    for heading in re.findall(r"^#+\s+(.+)$", page.read_text(encoding="utf-8"), flags=re.M):
        text = re.sub(r"[^\w\s-]", "", heading).strip().lower()
        out.add(re.sub(r"[-\s]+", "-", text))
    return out


def test_the_output_rule_is_stated_once_and_every_writing_command_links_it():
    """One output rule (issue 12): stated on the commands page; every command with --force links to it."""
    rule = DOCS / "commands" / "index.md"
    assert "the-output-rule-force" in _anchors(rule)
    writers = [name for name, cmd in COMMANDS.items() if "--force" in _flags(cmd)]
    assert {"convert", "edit", "emit", "errors", "diff", "lint"} <= set(writers)
    unlinked = [name for name in writers if "index.md#the-output-rule-force" not in (DOCS / "commands" / f"{name}.md").read_text(encoding="utf-8")]
    assert unlinked == [], f"command pages with --force that do not link the output rule: {unlinked}"


def test_links_to_a_heading_name_one_that_exists():
    broken = []
    for page in DOCS.rglob("*.md"):
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            path, _, anchor = target.partition("#")
            if not anchor or re.match(r"[a-z]+:", path):
                continue
            dest = (page.parent / path).resolve() if path else page
            if dest.suffix == ".md" and dest.exists() and anchor not in _anchors(dest):
                broken.append(f"{page.relative_to(DOCS)} -> {target}")
    assert broken == [], f"links to headings that do not exist: {broken}"
