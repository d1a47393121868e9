"""The house rules of docs/architecture.md, checked on the source: imports go down the floors,
no two modules import each other (directly or round a circle), and no module grows past about
500 lines. The waiting lists name what is not there yet; they may only shrink."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "bulkedit"

#: Each room (a subpackage, or a top-level module) and its floor: a room imports only rooms
#: on lower floors (floor 0 is the shared ground: errors, fields, paths, privacy, ...).
FLOORS = {
    "io": 1,
    "edit": 2, "inspect": 2,
    "importfile": 3, "sheet": 3,
    "lint": 4, "diff": 4, "convert": 4,
    "emit": 5,
    "joberrors": 6, "report": 6,
    "auth0": 7,
    "cli": 8, "__main__": 9,
}
MAX_LINES = 500
#: modules still over MAX_LINES (issue 15), with the size they may not grow past
TOO_LONG_YET: dict[str, int] = {}
#: import circles still there (none: keep it so)
CIRCLES_YET: list[set[str]] = []


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _imports(name: str, path: Path, is_package: bool, known: dict[str, tuple[Path, bool]]) -> set[str]:
    """The bulkedit modules `name` imports, at module level or inside a function."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = name.split(".") if is_package else name.split(".")[:-1]
                here = here[: len(here) - node.level + 1]
                base = ".".join(here + ([node.module] if node.module else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        out.update(t for t in targets if t in known and t != name and not name.startswith(t + "."))
    return out


MODULES = _modules()
GRAPH = {name: _imports(name, path, pkg, MODULES) for name, (path, pkg) in MODULES.items()}


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _floor(module: str) -> int:
    return FLOORS.get(_room(module), 0)


def test_every_room_has_a_floor() -> None:
    rooms = {_room(m) for m in MODULES if m.count(".") >= 1}
    ground = {"", "errors", "fields", "paths", "privacy", "defaults", "resources"}
    assert rooms - ground - set(FLOORS) == set(), "a new package or top-level module: give it a floor here and in docs/architecture.md"


def test_imports_go_down_the_floors() -> None:
    wrong = [
        f"{a} (floor {_floor(a)}) imports {b} (floor {_floor(b)})"
        for a, targets in GRAPH.items()
        for b in targets
        if _room(a) != _room(b) and _floor(b) != 0 and _floor(a) <= _floor(b)
    ]
    assert wrong == []


def _circles() -> list[set[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(group)

    for v in GRAPH:
        if v not in index:
            visit(v)
    return found


def test_no_import_circles() -> None:
    assert [c for c in _circles() if c not in CIRCLES_YET] == []


def test_the_waiting_list_of_circles_only_shrinks() -> None:
    assert [c for c in CIRCLES_YET if c not in _circles()] == [], "a circle is gone: take it off CIRCLES_YET"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_over_about_500_lines(name: str) -> None:
    path = MODULES[name][0]
    lines = len(path.read_text(encoding="utf-8").splitlines())
    rel = str(path.relative_to(PACKAGE.parent))
    cap = TOO_LONG_YET.get(rel, MAX_LINES)
    assert lines <= cap, f"{rel} has {lines} lines (at most {cap}): split it along its seams (docs/architecture.md)"
    if rel in TOO_LONG_YET:
        assert lines > MAX_LINES, f"{rel} is short now: take it off TOO_LONG_YET"


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """The import walk sees a function-level and a relative import (the forms the code uses)."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from bulkedit.cli import app\nfrom . import errors\n", encoding="utf-8")
    known = {"bulkedit.cli": (Path(), True), "bulkedit.cli.app": (Path(), False), "bulkedit.errors": (Path(), False)}
    assert _imports("bulkedit.io.probe", probe, False, known) == {"bulkedit.cli", "bulkedit.cli.app"}
    assert _imports("bulkedit.probe", probe, False, known) == {"bulkedit.cli", "bulkedit.cli.app", "bulkedit.errors"}
