from __future__ import annotations

from pathlib import Path

import pytest

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
    stats = {f.path: f.types for f in _field_stats(t.tree)}
    assert stats["m"] == {"object": 2, "null": 1}
    assert stats["m.a"] == {"integer": 1, "string": 1}
    assert stats['m["b.c"]'] == {"null": 1}
    from bulkedit.inspect import _counts

    assert _counts(t.table(), "email", duplicates_only=True) == {"a@x": 2}
