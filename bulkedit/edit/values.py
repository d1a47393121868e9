"""JSON values without surprises: strict equality, a leaf diff, and edits that never mutate.

Edits copy only the containers along the path they change ("path copying"), so an
edited user shares every untouched subtree with the original. That keeps an edit
cheap (a few shallow copies, no deep copy of the whole user), lets the original
stay intact for the old -> new change set, and makes the diff fast: subtrees that
are the same object are skipped without comparing.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import compress
from operator import is_not
from typing import Any

from bulkedit.paths import MISSING, Path, format_path, get_path


class Conflict(ValueError):
    """An edit cannot be made on this user: a parent is not an object/list, a list index is out of range."""


def same(a: Any, b: Any) -> bool:
    """JSON equality that sees types: 1 != 1.0 != True, {"a": 1} == {"a": 1} whatever the key order."""
    if a is b:
        return True
    ta = type(a)
    if ta is not type(b):
        return False
    if ta is dict:
        if len(a) != len(b):
            return False
        for k, v in a.items():
            w = b.get(k, MISSING)
            if w is MISSING or not same(v, w):
                return False
        return True
    if ta is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def equal(a: Any, b: Any) -> bool:
    """Equality for selectors: like `same`, but an integer equals the float of the same number."""
    ta, tb = type(a), type(b)
    if ta is not tb and {ta, tb} == {int, float}:
        return bool(a == b)
    if ta is tb is list:
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if ta is tb is dict:
        return len(a) == len(b) and all(k in b and equal(v, b[k]) for k, v in a.items())
    return same(a, b)


def diff(old: Any, new: Any, prefix: Path = ()) -> list[tuple[Path, Any, Any]]:
    """(path, old, new) for every leaf that differs; objects are walked, lists compared whole.

    An absent value is MISSING. Subtrees that are the same Python object are skipped
    without looking inside (an edit shares every untouched subtree with the original).
    """
    out: list[tuple[Path, Any, Any]] = []
    if old is not new:
        _diff(old, new, prefix, out)
    return out


def diff_at(old: Any, new: Any, paths: list[Path]) -> list[tuple[Path, Any, Any]]:
    """`diff(old, new)` when only `paths` can differ (an editor that knows what it wrote).

    Gives the changes `diff` gives (in the order the paths were written): each path is
    followed while both sides are objects, and compared (whole) where they stop being so.
    """
    if len(paths) > 1:
        # a written path inside another written path is covered by the outer one's diff
        unique = set(paths)
        kept = []
        for p in dict.fromkeys(paths):
            for i in range(1, len(p)):
                if p[:i] in unique:
                    break
            else:
                kept.append(p)
        paths = kept
    out: list[tuple[Path, Any, Any]] = []
    seen: set[Path] = set()
    for p in paths:
        a, b = old, new
        n = len(p)
        i = 0
        while i < n and type(a) is dict and type(b) is dict:
            seg = p[i]
            a, b = a.get(seg, MISSING), b.get(seg, MISSING)
            i += 1
            if a is b:
                break
        if a is b:
            continue
        at = p[:i] if i < n else p
        if at not in seen:
            seen.add(at)
            _diff(a, b, at, out)
    return out


def _diff(old: Any, new: Any, prefix: Path, out: list[tuple[Path, Any, Any]]) -> None:
    if type(old) is dict and type(new) is dict:
        keys_old = list(old)
        keys_new = list(new)
        n = len(keys_old)
        if keys_new[:n] == keys_old:
            # the common shape after an edit: same keys in the same order, maybe some appended;
            # find the values that are not the same object without a Python-level loop
            for k in compress(keys_old, map(is_not, old.values(), new.values())):
                _diff(old[k], new[k], prefix + (k,), out)
            for k in keys_new[n:]:
                _diff(MISSING, new[k], prefix + (k,), out)
            return
        get_new = new.get
        for k, v in old.items():
            w = get_new(k, MISSING)
            if v is not w:
                _diff(v, w, prefix + (k,), out)
        for k in keys_new:
            if k not in old:
                _diff(MISSING, new[k], prefix + (k,), out)
        return
    if not same(old, new):
        out.append((prefix, old, new))


def getter(path: Path) -> Callable[[Any], Any]:
    """A fast `get_path(node, path)` for one path (the hot loop reads the same few paths for every user)."""
    if all(type(seg) is str for seg in path):
        if len(path) == 1:
            (a,) = path

            def get1(node: Any) -> Any:
                return node.get(a, MISSING)

            return get1
        if len(path) == 2:
            a, b = path

            def get2(node: Any) -> Any:
                node = node.get(a, MISSING)
                return node.get(b, MISSING) if type(node) is dict else MISSING

            return get2
        if len(path) == 3:
            a, b, c = path

            def get3(node: Any) -> Any:
                node = node.get(a, MISSING)
                if type(node) is not dict:
                    return MISSING
                node = node.get(b, MISSING)
                return node.get(c, MISSING) if type(node) is dict else MISSING

            return get3
    return lambda node: get_path(node, path)


def assoc(node: Any, path: Path, value: Any, _i: int = 0) -> Any:
    """A copy of `node` with `path` set to `value`; missing (or null) parents become objects/lists."""
    seg = path[_i]
    last = _i == len(path) - 1
    if type(seg) is int:
        if type(node) is not list:
            raise Conflict(f"{_where(path, _i)} is {kind(node)}, not a list")
        n = len(node)
        if seg == n:
            child = MISSING
        elif -n <= seg < n:
            child = node[seg]
        else:
            raise Conflict(f"index {seg} is out of range at {format_path(path[: _i + 1])} (the list has {n} items)")
        new_child = value if last else assoc(_fresh(child, path[_i + 1]), path, value, _i + 1)
        items = list(node)
        if seg == n:
            items.append(new_child)
        else:
            items[seg] = new_child
        return items
    if type(node) is not dict:
        raise Conflict(f"{_where(path, _i)} is {kind(node)}, not an object")
    new_child = value if last else assoc(_fresh(node.get(seg, MISSING), path[_i + 1]), path, value, _i + 1)
    obj = dict(node)
    obj[seg] = new_child
    return obj


def dissoc(node: Any, path: Path) -> Any:
    """A copy of `node` without `path`; `node` itself when the path is absent."""
    parent = get_path(node, path[:-1])
    last = path[-1]
    if type(last) is int:
        if type(parent) is not list or not -len(parent) <= last < len(parent):
            return node
        new_parent: Any = list(parent)
        del new_parent[last]
    else:
        if type(parent) is not dict or last not in parent:
            return node
        new_parent = dict(parent)
        del new_parent[last]
    return assoc(node, path[:-1], new_parent) if len(path) > 1 else new_parent


def deep_merge(base: Any, patch: Any) -> Any:
    """`patch` merged into `base`: objects key by key (recursively), anything else replaced."""
    if type(base) is dict and type(patch) is dict:
        out = dict(base)
        for k, v in patch.items():
            out[k] = deep_merge(base[k], v) if k in base else v
        return out
    return patch


def _fresh(child: Any, next_seg: Any) -> Any:
    if child is MISSING or child is None:
        return [] if type(next_seg) is int else {}
    return child


def _where(path: Path, i: int) -> str:
    return format_path(path[:i]) if i else "the user"


def kind(value: Any) -> str:
    """'a string', 'a list', ... for messages."""
    t = type(value)
    if t is str:
        return "a string"
    if t is bool:
        return "a boolean"
    if t in (int, float):
        return "a number"
    if t is list:
        return "a list"
    if t is dict:
        return "an object"
    return "null" if value is None else t.__name__


