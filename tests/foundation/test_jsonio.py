from __future__ import annotations

import json

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


def test_parses_like_the_standard_library_where_orjson_would_not() -> None:
    google = b'{"user_id":"google-oauth2|109876543210987654321","at":"2024-01-02T03:04:05.000Z"}'
    assert jsonio.loads(google) == json.loads(google)
    raw = b'{"n": [1, 123456789012345678901234567890, -9223372036854775809], "s": "\\ud800x"}'
    assert jsonio.loads(raw) == json.loads(raw)
    assert jsonio.decode(b'{"n":18446744073709551616}') == {"n": 18446744073709551616}


def test_a_number_beyond_a_double_is_refused_not_read_as_infinity() -> None:
    with pytest.raises(jsonio.JSONError, match="too large"):
        jsonio.loads(b'{"a": 1e400}')


def test_invalid_utf8_is_a_unicode_error() -> None:
    with pytest.raises(UnicodeDecodeError):
        jsonio.loads(b'{"a": "\xff"}')


_numbers = st.integers(min_value=-(10**30), max_value=10**30) | st.floats(allow_nan=False, allow_infinity=False)
_json = st.recursive(
    st.none() | st.booleans() | _numbers | st.text(alphabet="0123456789 |:-,[a\"\\\u00e9\ud800"),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(_json, st.sampled_from([None, 0, 1]))
def test_loads_gives_what_the_standard_library_gives(doc: object, indent: int | None) -> None:
    """Same values and types (1 vs 1.0, big integers exact), for compact and indented text."""
    seps = (",", ":") if indent is None else None
    text = json.dumps(doc, ensure_ascii=False, indent=indent, separators=seps)
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: JSON carries it as an escape
        text = json.dumps(doc, ensure_ascii=True, indent=indent, separators=seps)
        raw = text.encode()
    expected = json.loads(text)
    got = jsonio.loads(raw)
    assert got == expected or (got != got and expected != expected)
    assert repr(got) == repr(expected)


def test_a_large_document_is_parsed_with_the_collector_paused_and_restored() -> None:
    import gc

    doc = [{"email": f"u{i}@x.io", "m": {"a": [i, str(i)]}} for i in range(3000)]
    raw = json.dumps(doc).encode()
    assert len(raw) >= jsonio._LARGE
    assert jsonio.loads(raw) == doc
    assert gc.isenabled()
    gc.disable()
    try:
        assert jsonio.loads(raw) == doc
        assert not gc.isenabled()  # a caller's choice is left as it was
    finally:
        gc.enable()
    with pytest.raises(jsonio.JSONError):
        jsonio.loads(raw[:-1] + b"x" * jsonio._LARGE)
    assert gc.isenabled()
