"""Lossless JSON: orjson's speed where it is exact, the standard library where it is not.

orjson turns integers beyond 64 bits into floats and cannot dump them, and it
refuses lone surrogates; metadata is arbitrary JSON and may hold both. A run of
19 or more digits in the raw bytes is the only way such an integer can appear,
so those lines (rare) go through the exact, slower standard library.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import orjson

# Digits become "0"; what may stand right before a number's first digit (a minus sign,
# ":", ",", "[" or JSON whitespace) becomes "1"; everything else a space. A JSON number
# whose integer part has 19+ digits then shows as "1" and nineteen "0"s, while a digit
# run inside a string (a Google id such as "google-oauth2|109876543210987654321")
# usually does not, so such users keep the fast parser.
_NUMBER_MARKS = bytes(48 if 48 <= i <= 57 else 49 if i in b"-:,[ \t\r\n" else 32 for i in range(256))
_LONG_DIGITS = b"0" * 19
_BIG_NUMBER = b"1" + _LONG_DIGITS


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
    """True when `raw` may hold a number with 19+ integer digits (one orjson may not keep exactly).

    False positives (such a run inside a string after a space) only cost speed.
    """
    marked = raw.translate(_NUMBER_MARKS)
    return _BIG_NUMBER in marked or marked.startswith(_LONG_DIGITS)


def around_big_ints(block: bytes) -> Iterator[tuple[bytes | None, bytes | None]]:
    """Cut NDJSON lines around the ones that may hold a 19+ digit number (usually none).

    Yields `(run, odd)` pairs in order: `run` is one or more ordinary lines joined by
    `\n` (None when there are none), `odd` the line after them that needs the exact
    parser (None at the end). Together they are every line of `block`, blank ones
    included, so line numbers can be counted through them.
    """
    marked = block.translate(_NUMBER_MARKS)
    pos = marked.find(_BIG_NUMBER)
    if marked.startswith(_LONG_DIGITS):
        pos = 0
    if pos < 0:
        yield block, None
        return
    start = 0
    end = len(block)
    while pos >= 0:
        # the number's first digit is at pos + 1 (the mark may be the "\n" ending the line before)
        first = max(block.rfind(b"\n", start, pos + 1) + 1, start)
        last = block.find(b"\n", pos + 1)
        if last < 0:
            last = end
        yield (block[start : first - 1] if first > start else None), block[first:last]
        start = last + 1
        if start > end:
            return
        pos = marked.find(_BIG_NUMBER, last)  # the "\n" at `last` marks a next line that starts with digits
    yield block[start:], None


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
