from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkedit.io import jsonio


@pytest.mark.parametrize("n", [2**64, 2**64 - 1, -(2**63) - 1, 10**40, -(10**30)])
def test_big_integers_stay_exact(n: int) -> None:
    raw = b'{"v":%d,"f":1.5,"s":"x"}' % n
    obj = jsonio.loads(raw)
    assert obj["v"] == n and type(obj["v"]) is int
    assert jsonio.loads(jsonio.dumps(obj)) == obj


def test_floats_and_ints_keep_their_type() -> None:
    obj = jsonio.loads(b'{"a":1,"b":1.0,"c":-0.0,"d":1e300}')
    assert [type(obj[k]) for k in "abcd"] == [int, float, float, float]
    again = jsonio.loads(jsonio.dumps(obj))
    assert again == obj and [type(again[k]) for k in "abcd"] == [int, float, float, float]
    assert str(again["c"]) == "-0.0"


def test_lone_surrogate_survives() -> None:
    obj = jsonio.loads(b'{"s":"\\ud800x"}')
    assert obj["s"] == "\ud800x"
    assert jsonio.loads(jsonio.dumps(obj)) == obj


def test_nan_rejected_with_position() -> None:
    with pytest.raises(jsonio.JSONError):
        jsonio.loads(b'{"a": NaN}')


def test_malformed_names_line_and_column() -> None:
    with pytest.raises(jsonio.JSONError) as info:
        jsonio.loads(b'{"a": 1,\n "b": }')
    assert (info.value.line, info.value.column) == (2, 7)


def _cut(block: bytes) -> list[tuple[bytes | None, bytes | None]]:
    return list(jsonio.around_big_ints(block))


def test_around_big_ints_cuts_out_the_lines_with_long_numbers() -> None:
    block = b'{"a":1}\n{"b":12345678901234567890}\n{"c":"x"}\n{"d":[1,-9999999999999999999]}'
    assert _cut(block) == [
        (b'{"a":1}', b'{"b":12345678901234567890}'),
        (b'{"c":"x"}', b'{"d":[1,-9999999999999999999]}'),
    ]
    # the pieces always hold every line, blank ones included, in order
    block = b'{"b": 12345678901234567890}\n\n{"b":\t12345678901234567890}\n{"c":1}\n'
    pieces = _cut(block)
    assert pieces == [(None, b'{"b": 12345678901234567890}'), (b"", b'{"b":\t12345678901234567890}'), (b'{"c":1}\n', None)]
    lines = []
    for run, odd in pieces:
        lines += run.split(b"\n") if run is not None else []
        lines += [odd] if odd is not None else []
    assert lines == block.split(b"\n")


def test_around_big_ints_lines_that_start_with_digits() -> None:
    assert _cut(b"12345678901234567890\n{}") == [(None, b"12345678901234567890"), (b"{}", None)]
    assert _cut(b"{}\n12345678901234567890") == [(b"{}", b"12345678901234567890")]


def test_digit_runs_inside_strings_stay_on_the_fast_path() -> None:
    google = b'{"user_id":"google-oauth2|109876543210987654321","at":"2024-01-02T03:04:05.000Z"}'
    assert _cut(google) == [(google, None)]
    assert not jsonio.may_hold_big_int(google)
    assert jsonio.may_hold_big_int(b'{"n":[12345678901234567890]}')
    assert jsonio.may_hold_big_int(b"12345678901234567890")
    assert jsonio.may_hold_big_int(b'{"n": -12345678901234567890}')
    assert jsonio.loads(b'{"n": [1, 123456789012345678901234567890]}') == {"n": [1, 123456789012345678901234567890]}


_numbers = st.integers(min_value=-(10**30), max_value=10**30) | st.floats(allow_nan=False, allow_infinity=False)
_json = st.recursive(
    st.none() | st.booleans() | _numbers | st.text(alphabet="0123456789 |:-,[a\"\\é"),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_json, max_size=6), st.sampled_from([None, 0, 1]))
def test_lines_left_on_the_fast_path_parse_exactly(docs: list, indent: int | None) -> None:
    """Whatever is not cut out as odd gives the same value from orjson as from the standard library."""
    lines = [json.dumps(d, ensure_ascii=False, separators=(",", ":") if indent is None else (", ", ": ")) for d in docs]
    block = "\n".join(lines).encode()
    seen = []
    for run, odd in jsonio.around_big_ints(block):
        for line in run.split(b"\n") if run is not None else []:
            seen.append(line)
            if line:
                assert orjson.loads(line) == json.loads(line)
                assert repr(orjson.loads(line)) == repr(json.loads(line))  # 1 vs 1.0 too
        if odd is not None:
            seen.append(odd)
    assert seen == block.split(b"\n")
