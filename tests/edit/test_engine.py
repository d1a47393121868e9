"""The engine without plans (any editor), the guards on their own, and the value helpers."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkedit.edit.apply import EditorNotes, EditProblems, apply_edits
from bulkedit.edit.guards import check_user
from bulkedit.edit.plan import load_plan
from bulkedit.edit.result import Notice
from bulkedit.edit.values import assoc, diff, diff_at, dissoc, same
from bulkedit.io.read import open_source, read_users
from bulkedit.paths import MISSING

USERS = [
    {"user_id": "auth0|1", "email": "a@x.com", "user_metadata": {"n": 1}},
    {"user_id": "auth0|2", "email": "b@x.com"},
    {"user_id": "auth0|3", "email": "c@x.com", "user_metadata": {"n": 3}},
]


def _src(tmp: Path) -> Path:
    path = tmp / "in.ndjson"
    path.write_text("".join(json.dumps(u) + "\n" for u in USERS), encoding="utf-8")
    return path


class Bump:
    """An editor that is not a plan: add 1 to user_metadata.n, refuse users without it."""

    def __init__(self, refuse_missing: bool = False) -> None:
        self.refuse_missing = refuse_missing

    def edit(self, user: dict[str, Any]) -> dict[str, Any] | None:
        n = (user.get("user_metadata") or {}).get("n")
        if n is None:
            if self.refuse_missing:
                raise EditProblems([Notice("no-n", "user has no n", path="user_metadata.n")])
            return None
        return assoc(user, ("user_metadata", "n"), n + 1)

    def extra(self) -> list[dict[str, Any]]:
        return [{"user_id": "auth0|new", "email": "new@x.com"}]

    def notes(self) -> EditorNotes:
        return EditorNotes(warnings=(Notice("hello", "from the editor"),))


def test_any_editor_runs_through_the_engine(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = apply_edits(open_source(_src(tmp_path)), Bump(), out)
    assert result.written and result.output_format == "json"
    got = read_users(out)
    assert [u.get("user_metadata") for u in got] == [{"n": 2}, None, {"n": 4}, None]
    assert got[-1]["user_id"] == "auth0|new" and result.users_added == 1
    assert result.users_changed == 2 and result.fields == {"user_metadata.n": 2}
    assert result.warning_counts == {"hello": 1}
    assert result.changes[0].where.endswith("in.ndjson:1") and result.changes[0].old == 1


def test_editor_problems_refuse_and_write_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.ndjson"
    result = apply_edits(open_source(_src(tmp_path)), Bump(refuse_missing=True), out, key="email")
    assert result.refused and not result.written and not out.exists()
    (r,) = result.refusals
    assert (r.code, r.key, r.path) == ("no-n", "b@x.com", "user_metadata.n")
    assert r.where is not None and r.where.endswith("in.ndjson:2")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_refusal_writes_no_table_either(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"out{suffix}"
    result = apply_edits(open_source(_src(tmp_path)), Bump(refuse_missing=True), out)
    assert result.refused and not out.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "in.ndjson"]


def test_dry_run_needs_no_output(tmp_path: Path) -> None:
    result = apply_edits(open_source(_src(tmp_path)), Bump(), None, dry_run=True)
    assert result.dry_run and not result.written and result.users_changed == 2


# -- guards --------------------------------------------------------------------------


BASE = {
    "email": "a@x.com",
    "user_id": "auth0|1",
    "username": "ann",
    "identities": [{"connection": "db", "provider": "auth0"}],
    "app_metadata": {"plan": "pro", "email": "legacy-already-there"},
}


@pytest.mark.parametrize(
    ("change", "refused", "warned"),
    [
        ({"email": "b@x.com"}, ["change-email"], []),
        ({"email": MISSING}, ["change-email"], []),
        ({"user_id": "auth0|2"}, ["change-user_id"], []),
        ({"identities": [{"connection": "other", "provider": "auth0"}]}, ["change-connection"], []),
        ({"identities": [{"connection": "db", "provider": "x"}]}, [], []),
        ({"blocked": False}, ["change-blocked"], []),
        ({"username": "bob"}, [], ["username-ignored"]),
        ({"password_hash": "$2b$10$x"}, [], ["password_hash-ignored"]),
        ({"app_metadata": {"plan": "pro", "email": "legacy-already-there"}}, [], []),
        ({"app_metadata": {"plan": "free", "email": "legacy-already-there", "user_id": 1}}, [], ["reserved-app_metadata-key"]),
        ({"given_name": "Ann"}, [], []),
        ({"logins_count": 7, "created_at": "2020-01-01T00:00:00.000Z"}, [], ["created_at-not-imported", "logins_count-not-imported"]),
    ],
)
def test_check_user(change: dict[str, Any], refused: list[str], warned: list[str]) -> None:
    new = {k: v for k, v in {**BASE, **change}.items() if v is not MISSING}
    r, w = check_user(BASE, new)
    assert [g.code for g in r] == refused
    assert [g.code for g in w] == warned
    r2, w2 = check_user(BASE, new, touched={k for k in change})
    assert (r2, w2) == (r, w)


# -- values --------------------------------------------------------------------------

keys = st.sampled_from(["a", "b", "c"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=10,
)
objects = st.dictionaries(keys, json_values, max_size=3)
paths = st.lists(keys, min_size=1, max_size=3).map(tuple)


@settings(max_examples=150, deadline=None)
@given(user=objects, edits=st.lists(st.tuples(st.booleans(), paths, json_values), max_size=4))
def test_edits_never_mutate_and_diff_at_equals_diff(user: dict[str, Any], edits: list[Any]) -> None:
    frozen = copy.deepcopy(user)
    cur = user
    written = []
    for is_set, path, value in edits:
        try:
            nxt = assoc(cur, path, value) if is_set else dissoc(cur, path)
        except ValueError:
            continue
        if nxt is not cur:
            written.append(path)
        cur = nxt
    assert same(user, frozen) and list(user) == list(frozen)  # the original is untouched
    full = diff(user, cur)
    assert sorted(map(repr, diff_at(user, cur, written))) == sorted(map(repr, full))
    assert (not full) == same(user, cur)


def test_same_is_type_aware() -> None:
    assert not same(1, 1.0) and not same(1, True) and not same(0, None)
    assert same({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]})
    assert not same({"a": 1}, {"b": 1})


# -- plan reading ----------------------------------------------------------------------


def test_plan_may_be_a_bare_list_and_yaml_is_1_2(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yml"
    plan.write_text("- set: {user_metadata.country: NO, user_metadata.since: 2024-01-01, user_metadata.n: 012}\n")
    users = [{"email": "a@x.com"}]
    src = tmp_path / "in.ndjson"
    src.write_text(json.dumps(users[0]) + "\n")
    apply_edits(open_source(src), load_plan(plan), tmp_path / "out.ndjson")
    (got,) = read_users(tmp_path / "out.ndjson")
    assert got["user_metadata"] == {"country": "NO", "since": "2024-01-01", "n": 12}


# -- two processes ---------------------------------------------------------------------


PARALLEL_PLAN = """\
edits:
  - where: {email: {in_file: listed.txt}}
    set: {family_name: Listed}
  - set: {email_verified: true}
  - where: {app_metadata.plan: {in: [free, trial]}}
    set: {user_metadata.tier: basic}
    unset: [user_metadata.legacy_id]
  - where: {email: nobody@none.com}
    set: {nickname: never}
"""


@pytest.mark.parametrize("refuse", [False, True])
def test_two_processes_give_what_one_gives(tmp_path: Path, refuse: bool) -> None:
    from bench.generate import write_ndjson

    src = tmp_path / "users.ndjson"
    write_ndjson(src, 3000, social_every=7)
    users = read_users(src)
    (tmp_path / "listed.txt").write_text("\n".join(u["email"] for u in users[::250]) + "\nmissing@x.com\n")
    plan_text = PARALLEL_PLAN + ("  - where: {email: {startswith: user29}}\n    set: {blocked: true}\n" if refuse else "")
    (tmp_path / "plan.yaml").write_text(plan_text)
    results = {}
    for workers in (1, 2):
        out = tmp_path / f"out{workers}.ndjson"
        result = apply_edits(open_source(src), load_plan(tmp_path / "plan.yaml"), out, workers=workers, show=50)
        data = result.to_dict()
        data.pop("output")
        results[workers] = (data, out.read_bytes() if out.exists() else None)
    assert results[1] == results[2]
    data, written = results[1]
    assert data["refused"] is refuse and (written is None) is refuse
    assert data["users"]["read"] == 3000 and data["users"]["changed"] > 1000
    assert data["warning_counts"]["step-selected-none"] == 1
    assert data["warning_counts"]["listed-not-found"] == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no part files left


def test_a_malformed_line_is_named_exactly_with_two_processes(tmp_path: Path) -> None:
    from bulkedit.errors import InputError

    src = tmp_path / "users.ndjson"
    lines = [json.dumps({"user_id": f"auth0|{i}", "email": f"u{i}@x.com"}) for i in range(400)]
    lines[300] = '{"user_id": "auth0|300", "email": '
    src.write_text("\n".join(lines) + "\n")
    (tmp_path / "plan.yaml").write_text("edits:\n  - set: {email_verified: true}\n")
    out = tmp_path / "out.ndjson"
    with pytest.raises(InputError) as info:
        apply_edits(open_source(src), load_plan(tmp_path / "plan.yaml"), out, workers=2)
    assert info.value.where == f"{src}:301"
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.yaml", "users.ndjson"]
