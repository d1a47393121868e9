from __future__ import annotations

import pytest

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


def test_lines_with_big_ints() -> None:
    block = b'{"a":1}\n{"b":12345678901234567890}\n{"c":"x"}\n{"d":[1,99999999999999999999]}'
    assert jsonio.lines_with_big_ints(block) == {1, 3}
    assert jsonio.lines_with_big_ints(b'{"a":"2024-01-02T03:04:05.000Z"}') == set()
