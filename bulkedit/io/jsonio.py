"""Lossless JSON: msgspec to read, orjson to write, the standard library where neither will do.

msgspec parses as fast as orjson and keeps integers of any size exactly (orjson
turns those beyond 64 bits into floats); orjson writes faster but cannot dump such
integers. Lone surrogates (valid JSON escapes, invalid UTF-8) and the exact place of
a syntax error are left to the standard library, which is slower but rarely needed.
"""

from __future__ import annotations

import gc
import json
import math
from typing import Any

import msgspec
import orjson

#: msgspec's parser: the fast path of every reader. It raises one of `DECODE_ERRORS`
#: (invalid UTF-8 inside a string is a UnicodeDecodeError, very deep nesting a
#: RecursionError); `loads` then explains.
decode = msgspec.json.Decoder().decode
DECODE_ERRORS = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)


class JSONError(ValueError):
    """Malformed JSON, with 1-based line and column inside the parsed text."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.msg = message
        self.line = line
        self.column = column


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e400: writing it back would give null or an error, so refuse to read it
        raise ValueError(f"the number {text} is too large for a double")
    return value


#: The exact standard-library decoder (integers of any size; NaN, Infinity and numbers
#: beyond a double refused): `loads_exact`, and readers that decode element by element.
EXACT_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def json_type(value: Any) -> str:
    """The JSON type of a parsed value, for messages ("an object", "a number", ...)."""
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def loads_exact(text: str) -> Any:
    """Parse with the standard library (exact integers); raise JSONError with line/column."""
    try:
        return EXACT_DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise JSONError(exc.msg, exc.lineno, exc.colno) from None
    except ValueError as exc:  # NaN / Infinity, or a number beyond a double
        raise JSONError(str(exc), 1, 1) from None
    except RecursionError:
        raise JSONError("objects and lists are nested too deeply (more than about 1,000 levels)", 1, 1) from None


#: Documents at least this large are parsed with the cyclic garbage collector paused.
_LARGE = 1 << 16


def loads(raw: bytes) -> Any:
    """Parse one JSON document exactly.

    A large document (a chunk file, a job's answer) makes thousands of dicts and lists
    in one call, and the cyclic garbage collector would walk them, and everything else
    alive, again and again while they are made; parsed JSON holds no cycle, so it is
    paused meanwhile (a 480 KB chunk: 7.7 ms -> 2 ms once 10,000 users are kept).
    Raises JSONError (with line/column) or UnicodeDecodeError.
    """
    paused = len(raw) >= _LARGE and gc.isenabled()
    if paused:
        gc.disable()
    try:
        try:
            return decode(raw)
        except DECODE_ERRORS:
            pass  # the standard library names the place, or accepts lone surrogates
        return loads_exact(raw.decode("utf-8"))
    finally:
        if paused:
            gc.enable()


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
