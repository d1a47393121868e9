"""Field paths: `user_metadata.plan`, `identities[0].connection`, `app_metadata["a.b"]`.

A path is parsed once into a tuple of segments: `str` for an object key, `int`
for a list index. Keys that are not plain identifiers-with-dashes are written
in brackets as JSON strings, so every key (even one holding `.` or `[`) has an
unambiguous path and `format_path(parse_path(p)) == p` for canonical paths.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Final

Segment = str | int
Path = tuple[Segment, ...]


class _Missing:
    """Marks a value that is absent (not null)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_\-$@: ]+")
_TOKEN = re.compile(
    r"""
    (?P<key>[^.\[\]"]+)            # plain key
    | \[(?P<index>-?[0-9]+)\]      # list index
    | \[(?P<quoted>"(?:[^"\\]|\\.)*")\]   # quoted key
    | (?P<dot>\.)
    """,
    re.VERBOSE,
)


class PathError(ValueError):
    """A path string that cannot be parsed."""


@lru_cache(maxsize=4096)
def parse_path(text: str) -> Path:
    """Parse a dotted/indexed path; raise PathError with the position when malformed."""
    if not text:
        raise PathError("empty path")
    segments: list[Segment] = []
    pos = 0
    expect_key = True  # at start or right after a dot
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise PathError(f"unexpected {text[pos]!r} at position {pos + 1} in path {text!r}")
        if m.group("dot") is not None:
            if expect_key:
                raise PathError(f"empty segment at position {pos + 1} in path {text!r}")
            expect_key = True
        elif m.group("key") is not None:
            if not expect_key:
                raise PathError(f"missing '.' before position {pos + 1} in path {text!r}")
            key = m.group("key")
            if key != key.strip():
                raise PathError(f"segment {key!r} has leading or trailing spaces in path {text!r}")
            segments.append(key)
            expect_key = False
        elif m.group("index") is not None:
            if expect_key and segments:
                raise PathError(f"'.' before an index at position {pos + 1} in path {text!r}")
            if not segments:
                raise PathError(f"path {text!r} cannot start with an index")
            segments.append(int(m.group("index")))
            expect_key = False
        else:
            if expect_key and segments:
                raise PathError(f"'.' before a bracketed key at position {pos + 1} in path {text!r}")
            segments.append(json.loads(m.group("quoted")))
            expect_key = False
        pos = m.end()
    if expect_key:
        raise PathError(f"path {text!r} ends with '.'")
    return tuple(segments)


def format_path(path: Path) -> str:
    """The canonical text of a path."""
    out: list[str] = []
    for seg in path:
        if isinstance(seg, int):
            out.append(f"[{seg}]")
        elif _PLAIN_KEY.fullmatch(seg) and seg == seg.strip():
            out.append(f".{seg}" if out else seg)
        else:
            out.append("[" + json.dumps(seg, ensure_ascii=False) + "]")
    return "".join(out)


def get_path(obj: Any, path: Path, default: Any = MISSING) -> Any:
    """The value at `path`, or `default` when any step is absent or of the wrong shape."""
    cur = obj
    for seg in path:
        if type(seg) is int:
            if type(cur) is not list or not -len(cur) <= seg < len(cur):
                return default
            cur = cur[seg]
        else:
            if type(cur) is not dict:
                return default
            cur = cur.get(seg, MISSING)  # one lookup, not `in` and then `[]`
            if cur is MISSING:
                return default
    return cur


class PathConflict(ValueError):
    """Setting a path would have to go through a value that is not an object or list."""


def set_path(obj: dict[str, Any], path: Path, value: Any) -> None:
    """Set `path` to `value`, creating missing parent objects (and list slots at the end)."""
    cur: Any = obj
    for i, seg in enumerate(path[:-1]):
        nxt_seg = path[i + 1]
        fresh: Any = [] if isinstance(nxt_seg, int) else {}
        if isinstance(seg, int):
            if type(cur) is not list:
                raise PathConflict(f"{format_path(path[:i])} is not a list")
            if seg == len(cur):
                cur.append(fresh)
            elif not -len(cur) <= seg < len(cur):
                raise PathConflict(f"index {seg} is out of range at {format_path(path[: i + 1])}")
            elif cur[seg] is None:
                cur[seg] = fresh
        else:
            if type(cur) is not dict:
                raise PathConflict(f"{format_path(path[:i]) or 'the user'} is not an object")
            if seg not in cur or cur[seg] is None:
                cur[seg] = fresh
        cur = cur[seg]
    last = path[-1]
    if isinstance(last, int):
        if type(cur) is not list:
            raise PathConflict(f"{format_path(path[:-1])} is not a list")
        if last == len(cur):
            cur.append(value)
        elif -len(cur) <= last < len(cur):
            cur[last] = value
        else:
            raise PathConflict(f"index {last} is out of range at {format_path(path)}")
    else:
        if type(cur) is not dict:
            raise PathConflict(f"{format_path(path[:-1]) or 'the user'} is not an object")
        cur[last] = value


def delete_path(obj: Any, path: Path) -> Any:
    """Remove `path`; return the removed value or MISSING when it was absent."""
    parent = get_path(obj, path[:-1]) if len(path) > 1 else obj
    last = path[-1]
    if isinstance(last, int):
        if type(parent) is list and -len(parent) <= last < len(parent):
            return parent.pop(last)
        return MISSING
    if type(parent) is dict and last in parent:
        return parent.pop(last)
    return MISSING


def iter_leaves(obj: Any, prefix: Path = (), *, into_lists: bool = True) -> Any:
    """Yield (path, value) for every leaf; empty objects and lists are leaves.

    With `into_lists=False`, lists are leaves too (a spreadsheet keeps them as JSON).
    """
    t = type(obj)
    if t is dict and obj:
        for k, v in obj.items():
            yield from iter_leaves(v, prefix + (k,), into_lists=into_lists)
    elif t is list and obj and into_lists:
        for i, v in enumerate(obj):
            yield from iter_leaves(v, prefix + (i,), into_lists=into_lists)
    else:
        yield prefix, obj
