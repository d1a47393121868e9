"""Laws: for any users with arbitrary JSON metadata, read(write(users)) == users, for every writer."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkedit.io.read import Record, open_source
from bulkedit.io.write import write_users

keys = st.text(min_size=1, max_size=8)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["02134", "TRUE", "=1+2", "-5", "@x", "'quoted", "1.23457E+19", "2024-01-02T03:04:05.000Z", " pad ", "a\r\nb", "null", ""]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)),
    max_leaves=8,
)
users_strategy = st.lists(
    st.fixed_dictionaries(
        {"email": st.emails()},
        optional={
            "user_id": st.text(min_size=1, max_size=10).map(lambda s: "auth0|" + s),
            "email_verified": st.booleans(),
            "given_name": st.text(max_size=10),
            "logins_count": st.integers(min_value=0, max_value=10**6),
            "user_metadata": st.dictionaries(keys, json_values, max_size=4),
            "app_metadata": st.dictionaries(keys, json_values, max_size=4),
        },
    ),
    min_size=0,  # zero users round-trip too (issue 14)
    max_size=6,
)


def _roundtrip(users: list[dict[str, Any]], suffix: str) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"users{suffix}"
        fmt = {".ndjson": "ndjson", ".json": "json", ".csv": "csv", ".xlsx": "xlsx"}[suffix]
        write_users(path, lambda: (Record(i + 1, u, None) for i, u in enumerate(users)), fmt)
        return list(open_source(path).users())


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(users_strategy)
def test_ndjson_roundtrip_keeps_values_and_key_order(users: list[dict[str, Any]]) -> None:
    back = _roundtrip(users, ".ndjson")
    assert back == users
    assert [_order(u) for u in back] == [_order(u) for u in users]
    assert _types(back) == _types(users)


@SETTINGS
@given(users_strategy)
def test_json_array_roundtrip(users: list[dict[str, Any]]) -> None:
    back = _roundtrip(users, ".json")
    assert back == users
    assert [_order(u) for u in back] == [_order(u) for u in users]
    assert _types(back) == _types(users)


@SETTINGS
@given(users_strategy)
def test_csv_roundtrip(users: list[dict[str, Any]]) -> None:
    back = _roundtrip(users, ".csv")
    assert back == users
    assert _types(back) == _types(users)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(users_strategy)
def test_xlsx_roundtrip(users: list[dict[str, Any]]) -> None:
    back = _roundtrip(users, ".xlsx")
    assert back == users
    assert _types(back) == _types(users)


def _order(value: Any) -> Any:
    """Key order of every object, recursively."""
    if isinstance(value, dict):
        return [(k, _order(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_order(v) for v in value]
    return None


def _types(value: Any) -> Any:
    """The exact Python type of every value (1 vs 1.0 vs True stay apart)."""
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__
