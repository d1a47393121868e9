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
from collections.abc import Iterable
from typing import Any

import msgspec
import orjson

#: msgspec's parser: the fast path of every reader. It raises one of `DECODE_ERRORS`
#: (invalid UTF-8 inside a string is a UnicodeDecodeError, very deep nesting a
#: RecursionError); `loads` then explains.
decode = msgspec.json.Decoder().decode
DECODE_ERRORS = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)


#: Objects and lists nested deeper than this are refused by every reader. Auth0 metadata
#: is a few levels deep (a profile stays under 10 KB); 100 leaves room for any real shape,
#: while every command (whose walks recurse) works at this depth on the default stack.
MAX_DEPTH = 100


class JSONError(ValueError):
    """Malformed JSON, with 1-based line and column inside the parsed text."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.msg = message
        self.line = line
        self.column = column


class DuplicateKey(JSONError):
    """One JSON object holds the same key twice: which value is meant cannot be known."""

    def __init__(self, key: str, line: int = 1, column: int = 1) -> None:
        super().__init__(f"the key {key!r} appears twice in one object", line, column)
        self.key = key


class TooDeep(JSONError):
    """Objects and lists nested deeper than MAX_DEPTH."""

    def __init__(self, line: int = 1, column: int = 1) -> None:
        super().__init__(f"objects and lists are nested more than {MAX_DEPTH} levels deep (the most bulkedit reads)", line, column)


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The stdlib decoder's object hook: a dict, or DuplicateKey when a key comes twice."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e400: writing it back would give null or an error, so refuse to read it
        raise ValueError(f"the number {text} is too large for a double")
    return value


#: The exact standard-library decoder (integers of any size; NaN, Infinity and numbers
#: beyond a double refused): `loads_exact`, and readers that decode element by element.
#: A key twice in one object raises DuplicateKey (a ValueError).
EXACT_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=_unique_pairs)
#: msgspec's encoder: compact JSON, as Auth0's export and bulkedit's writers lay it out.
encode = msgspec.json.encode
#: the same encoder, for `encode_into` a reused buffer (no allocation a user on hot paths)
ENCODER = msgspec.json.Encoder()


def check_parsed(raw: bytes | str, value: Any) -> None:
    """Raise DuplicateKey or TooDeep when JSON text `raw`, which a parser turned into
    `value`, repeats a key in one object or nests deeper than MAX_DEPTH.

    msgspec and orjson keep the last of two equal keys without a word. Proving there is
    none is cheap for the usual line: compact JSON as Auth0 and bulkedit write it encodes
    back to the same bytes (about a quarter of msgspec's parse). Else, when no key is
    followed by blank space before its colon, each key ends in a `":` of its own, so as
    many `":` as the value has keys means none was dropped (a `\\":` inside a string only
    adds to the count). Only what neither proves is parsed again with the standard
    library, whose object hook names the repeated key.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if raw.count(b"{") + raw.count(b"[") > MAX_DEPTH and depth(value) > MAX_DEPTH:
        raise TooDeep()
    try:
        if encode(value) == raw:
            return
    except (TypeError, ValueError, OverflowError):
        pass
    if not (b" :" in raw or b"\t:" in raw or b"\r:" in raw or b"\n:" in raw) and raw.count(b'":') == _count_keys(value):
        return
    try:
        EXACT_DECODER.decode(raw.decode("utf-8", "surrogatepass"))
    except DuplicateKey:
        raise
    except (ValueError, RecursionError):
        pass  # not this check's business: the parser that made `value` accepted it


def _count_keys(value: Any) -> int:
    """How many keys the objects in `value` hold, all depths together (depth already bounded)."""
    n = 0
    values: Iterable[Any]
    if value.__class__ is dict:
        n = len(value)
        values = value.values()
    elif value.__class__ is list:
        values = value
    else:
        return 0
    for v in values:
        c = v.__class__
        if c is dict or c is list:
            n += _count_keys(v)
    return n


def depth(value: Any, stop: int = MAX_DEPTH + 1) -> int:
    """How deep objects and lists nest in `value` (a scalar: 0), counted up to `stop`."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        c = v.__class__
        if c is not dict and c is not list:
            continue
        if d > deepest:
            deepest = d
            if d >= stop:
                return d
        stack.extend((x, d + 1) for x in (v.values() if c is dict else v))
    return deepest


def json_type(value: Any) -> str:
    """The JSON type of a parsed value, for messages ("an object", "a number", ...)."""
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def loads_exact(text: str) -> Any:
    """Parse with the standard library (exact integers); raise JSONError with line/column."""
    try:
        value = EXACT_DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise JSONError(exc.msg, exc.lineno, exc.colno) from None
    except DuplicateKey as exc:
        line, column = _key_place(text, exc.key)
        raise DuplicateKey(exc.key, line, column) from None
    except ValueError as exc:  # NaN / Infinity, or a number beyond a double
        raise JSONError(str(exc), 1, 1) from None
    except RecursionError:
        raise TooDeep() from None
    if text.count("{") + text.count("[") > MAX_DEPTH and depth(value) > MAX_DEPTH:
        raise TooDeep()
    return value


def _key_place(text: str, key: str) -> tuple[int, int]:
    """(line, column) of the second `"key":` in `text` (1, 1 when it is written otherwise)."""
    token = json.dumps(key, ensure_ascii=False)
    first = text.find(token)
    second = text.find(token, first + 1) if first >= 0 else -1
    if second < 0:
        return 1, 1
    line = text.count("\n", 0, second) + 1
    return line, second - (text.rfind("\n", 0, second) + 1) + 1


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
