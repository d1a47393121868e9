from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.generate import write_ndjson
from bulkedit import inspect as inspect_mod
from bulkedit.errors import InputError
from bulkedit.io.read import open_source


def test_parallel_equals_sequential(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "u.ndjson"
    write_ndjson(path, 3000, seed=3)
    seq = inspect_mod.inspect(open_source(path), workers=1).to_dict()
    monkeypatch.setattr(inspect_mod, "PARALLEL_MIN_BYTES", 0)
    par = inspect_mod.inspect(open_source(path), workers=2).to_dict()
    assert par == seq
    assert seq["users"] == 3000


def test_parallel_error_names_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "u.ndjson"
    write_ndjson(path, 2000, seed=3)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[1500] = b'{"email": broken}\n'
    path.write_bytes(b"".join(lines))
    monkeypatch.setattr(inspect_mod, "PARALLEL_MIN_BYTES", 0)
    with pytest.raises(InputError) as info:
        inspect_mod.inspect(open_source(path), workers=2)
    assert ":1501:" in info.value.render()


def test_field_types_counted_per_user() -> None:
    from bulkedit.inspect import _field_stats, _Tally

    t = _Tally()
    for u in ({"email": "a@x", "m": {"a": 1}}, {"email": "A@X", "m": {"a": "1", "b.c": None}}, {"m": None}):
        t.add(u)
    stats = {f.path: f.types for f in _field_stats(t.field_tree())}
    assert stats["m"] == {"object": 2, "null": 1}
    assert stats["m.a"] == {"integer": 1, "string": 1}
    assert stats['m["b.c"]'] == {"null": 1}
    from bulkedit.inspect import _counts

    assert _counts(t.table(), "email", duplicates_only=True) == {"a@x": 2}


_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abc"), inner, max_size=3),
    max_leaves=6,
)
_users = st.lists(st.dictionaries(st.sampled_from(["email", "user_id", "m", "identities", "x"]), _values, max_size=5), max_size=12)


@settings(max_examples=200, deadline=None)
@given(users=_users, max_shapes=st.sampled_from([0, 2, 20000]))
def test_shape_counting_equals_walking_every_field(users: list, max_shapes: int) -> None:
    """Counting top-level shapes gives the counts (and, within the shape limit, the order) of a walk of every field."""
    import bulkedit.inspect as inspect_mod
    from bulkedit.inspect import _field_stats, _Tally, _walk

    walked: dict = {}
    for u in users:
        _walk(u, walked)
    expected = [(f.path, f.count, f.types) for f in _field_stats(walked)]
    saved = inspect_mod._MAX_SHAPES
    inspect_mod._MAX_SHAPES = max_shapes
    try:
        t = _Tally()
        for i, u in enumerate(users):
            t.add(u)
            if i == len(users) // 2:
                t.field_tree()  # counting goes on after an expansion
        got = [(f.path, f.count, f.types) for f in _field_stats(t.field_tree())]
    finally:
        inspect_mod._MAX_SHAPES = saved
    if max_shapes == 20000:
        assert got == expected
    else:
        assert sorted(got, key=repr) == sorted(expected, key=repr)


_key_users = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "email": st.sampled_from(["a@x.io", "A@x.io", "b@x.io", "é@x.io", "Z@x.io", 3]),
            "user_id": st.sampled_from(["auth0|1", "auth0|2", "", "z", None]),
            "connection": st.sampled_from(["db", "", "Other", "é"]),
            "identities": st.just([{"connection": "idp", "provider": "auth0"}]),
        },
    ),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(users=_key_users)
def test_small_files_count_keys_like_polars(tmp_path_factory: pytest.TempPathFactory, users: list) -> None:
    """A file too small for one flush is counted in Python (no polars start-up); the counts and their order agree."""
    import json

    path = tmp_path_factory.mktemp("keys") / "u.ndjson"
    path.write_text("".join(json.dumps(u) + "\n" for u in users) or "{}\n", encoding="utf-8")
    small = inspect_mod.inspect(open_source(path), workers=1).to_dict()
    saved = inspect_mod._FLUSH_EVERY
    inspect_mod._FLUSH_EVERY = 1  # every user flushed: the polars count
    try:
        flushed = inspect_mod.inspect(open_source(path), workers=1).to_dict()
    finally:
        inspect_mod._FLUSH_EVERY = saved
    assert small == flushed
    assert list(small["connections"].items()) == list(flushed["connections"].items())
    assert list(small["duplicates"]["email"].items()) == list(flushed["duplicates"]["email"].items())


def test_text_counts_have_thousands_separators(tmp_path: Path) -> None:
    from bulkedit.report.inspect import render_text

    path = tmp_path / "u.ndjson"
    path.write_text("".join(f'{{"user_id": "auth0|u{i}", "email": "same@x.io"}}\n' for i in range(1500)), encoding="utf-8")
    lines = render_text(inspect_mod.inspect(open_source(path), workers=1).to_dict()).splitlines()
    assert "users:   1,500" in lines
    assert "  1,500x  same@x.io" in lines
