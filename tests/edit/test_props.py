"""Laws of edits: an empty plan is the identity; idempotent plans applied twice equal once;
the change set is exactly the difference between input and output."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkedit.edit.apply import apply_edits
from bulkedit.edit.plan import load_plan
from bulkedit.edit.values import diff, same
from bulkedit.io.read import open_source, read_users
from bulkedit.paths import format_path

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

keys = st.sampled_from(["tier", "plan", "lang", "tags", "a", "b"])
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
)  # fmt: skip
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3), max_leaves=8)
users = st.lists(
    st.fixed_dictionaries(
        {"email": st.emails()},
        optional={
            "user_metadata": st.dictionaries(keys, values, max_size=4),
            "app_metadata": st.dictionaries(keys, values, max_size=4),
            "given_name": st.text(max_size=5),
        },
    ),
    min_size=0,  # a 0-byte NDJSON is zero users (issue 14)
    max_size=6,
)
paths = st.lists(keys, min_size=1, max_size=3).map(lambda ks: "user_metadata." + ".".join(ks))
# conditions read app_metadata, actions write user_metadata: a step then selects the same users twice
where_paths = st.lists(keys, min_size=1, max_size=2).map(lambda ks: "app_metadata." + ".".join(ks))
conditions = st.one_of(
    st.just({}),
    st.builds(lambda p, v: {p: v}, where_paths, scalars),
    st.builds(lambda p: {p: {"exists": True}}, where_paths),
    st.builds(lambda p: {"not": {p: {"exists": True}}}, where_paths),
)
idempotent_actions = st.one_of(
    st.builds(lambda p, v: {"set": {p: v}}, paths, values),
    st.builds(lambda p: {"unset": [p]}, paths),
    st.builds(lambda p, v: {"merge": {p: v}}, paths, st.dictionaries(keys, values, min_size=1, max_size=3)),
    st.builds(lambda p, v: {"append": {p: v}}, paths, st.lists(scalars, min_size=1, max_size=3)),
    st.builds(lambda p, v: {"remove": {p: v}}, paths, st.lists(scalars, min_size=1, max_size=3)),
)
steps = st.lists(st.builds(lambda w, a: {**({"where": w} if w else {}), **a}, conditions, idempotent_actions), max_size=1)


def _write(tmp: Path, name: str, us: list[dict[str, Any]]) -> Path:
    path = tmp / name
    path.write_text("".join(json.dumps(u, ensure_ascii=False) + "\n" for u in us), encoding="utf-8")
    return path


def _apply(tmp: Path, src: Path, plan: dict[str, Any], out_name: str) -> tuple[Any, Path]:
    plan_file = tmp / "plan.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    out = tmp / out_name
    return apply_edits(open_source(src), load_plan(plan_file), out), out


@SETTINGS
@given(us=users)
def test_empty_plan_is_the_identity(tmp_path: Path, us: list[dict[str, Any]]) -> None:
    # hypothesis reuses the function's tmp_path: every example gets its own folder
    with tempfile.TemporaryDirectory(dir=tmp_path) as name:
        tmp = Path(name)
        src = _write(tmp, "in.ndjson", us)
        result, out = _apply(tmp, src, {"edits": []}, "out.ndjson")
        assert out.read_bytes() == src.read_bytes()
        assert result.users_changed == 0 and result.changes_total == 0 and not result.refused


@SETTINGS
@given(us=users, plan_steps=steps)
def test_idempotent_plan_twice_equals_once(tmp_path: Path, us: list[dict[str, Any]], plan_steps: list[dict[str, Any]]) -> None:
    # hypothesis reuses the function's tmp_path: every example gets its own folder
    with tempfile.TemporaryDirectory(dir=tmp_path) as name:
        tmp = Path(name)
        src = _write(tmp, "in.ndjson", us)
        plan = {"edits": plan_steps}
        first, once = _apply(tmp, src, plan, "once.ndjson")
        if first.refused:  # e.g. append into a value that is not a list: refused, nothing written
            assert not once.exists()
            return
        second, twice = _apply(tmp, once, plan, "twice.ndjson")
        assert not second.refused
        assert second.users_changed == 0
        assert twice.read_bytes() == once.read_bytes()


@SETTINGS
@given(us=users, plan_steps=steps)
def test_change_set_is_the_difference(tmp_path: Path, us: list[dict[str, Any]], plan_steps: list[dict[str, Any]]) -> None:
    # hypothesis reuses the function's tmp_path: every example gets its own folder
    with tempfile.TemporaryDirectory(dir=tmp_path) as name:
        tmp = Path(name)
        src = _write(tmp, "in.ndjson", us)
        result, out = _apply(tmp, src, {"edits": plan_steps}, "out.ndjson")
        if result.refused:
            return
        before, after = read_users(src), read_users(out)
        real = [(i, format_path(p)) for i, (a, b) in enumerate(zip(before, after, strict=True)) for p, _, _ in diff(a, b)]
        assert result.changes_total == len(real)
        assert result.users_changed == sum(not same(a, b) for a, b in zip(before, after, strict=True))
        counts: dict[str, int] = {}
        for _, name in real:
            counts[name] = counts.get(name, 0) + 1
        assert result.fields == dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
