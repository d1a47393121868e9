"""Lossless JSON: orjson's speed where it is exact, the standard library where it is not.

orjson turns integers beyond 64 bits into floats and cannot dump them, and it
refuses lone surrogates; metadata is arbitrary JSON and may hold both. A run of
19 or more digits in the raw bytes is the only way such an integer can appear,
so those lines (rare) go through the exact, slower standard library.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_DIGITS_ONLY = bytes(48 if 48 <= i <= 57 else 32 for i in range(256))
_LONG_RUN = b"0" * 19


class JSONError(ValueError):
    """Malformed JSON, with 1-based line and column inside the parsed text."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.msg = message
        self.line = line
        self.column = column


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_EXACT = json.JSONDecoder(parse_constant=_reject_constant)


def may_hold_big_int(raw: bytes) -> bool:
    """True when `raw` has a run of 19+ digits (a number orjson may not keep exactly)."""
    return _LONG_RUN in raw.translate(_DIGITS_ONLY)


def lines_with_big_ints(block: bytes) -> set[int]:
    """0-based indexes of the lines of `block` that hold a run of 19+ digits (usually none)."""
    marked = block.translate(_DIGITS_ONLY)
    hits: set[int] = set()
    pos = marked.find(_LONG_RUN)
    line = 0
    prev = 0
    while pos >= 0:
        line += block.count(b"\n", prev, pos)
        hits.add(line)
        nl = block.find(b"\n", pos)
        if nl < 0:
            break
        line += 1
        prev = nl + 1
        pos = marked.find(_LONG_RUN, prev)
    return hits


def loads_exact(text: str) -> Any:
    """Parse with the standard library (exact integers); raise JSONError with line/column."""
    try:
        return _EXACT.decode(text)
    except json.JSONDecodeError as exc:
        raise JSONError(exc.msg, exc.lineno, exc.colno) from None
    except ValueError as exc:  # NaN / Infinity
        raise JSONError(str(exc), 1, 1) from None


def loads(raw: bytes, *, checked: bool = False) -> Any:
    """Parse one JSON document exactly.

    `checked=True` says the caller already knows `raw` holds no long digit run.
    Raises JSONError (with line/column) or UnicodeDecodeError.
    """
    if checked or not may_hold_big_int(raw):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # fall through: the standard library names the place, or accepts lone surrogates
    return loads_exact(raw.decode("utf-8"))


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON of `obj`, exact for any integer, key order kept."""
    try:
        return orjson.dumps(obj)
    except (TypeError, orjson.JSONEncodeError):
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: keep it as an escape
            return json.dumps(obj, ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode()


def dumps_pretty(obj: Any) -> bytes:
    try:
        return orjson.dumps(obj, option=orjson.OPT_INDENT_2)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(obj, ensure_ascii=False, indent=2, allow_nan=False).encode("utf-8", "surrogatepass")


def canonical(obj: Any) -> bytes:
    """Sorted-key compact JSON: equal values give equal bytes (for hashing and comparing)."""
    try:
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(obj, ensure_ascii=True, separators=(",", ":"), sort_keys=True).encode()
