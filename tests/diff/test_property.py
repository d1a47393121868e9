"""The law of diff: for random users and random edits, the diff lists exactly the edited paths."""

from __future__ import annotations

import copy
import random
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.generate import make_user
from bulkedit.diff import diff
from bulkedit.io import jsonio
from bulkedit.paths import delete_path, format_path, get_path, set_path
from tests.diff.conftest import write_ndjson

json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6,
)
key_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)


def _dict_paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path that ends at a key of an object (the places an edit can set, delete or add under)."""
    out: list[tuple[Any, ...]] = []
    if type(obj) is dict:
        for k, v in obj.items():
            out.append(prefix + (k,))
            out.extend(_dict_paths(v, prefix + (k,)))
    elif type(obj) is list:
        for i, v in enumerate(obj):
            out.extend(_dict_paths(v, prefix + (i,)))
    return out


def _overlaps(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


@st.composite
def edited_users(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, set[str]]]:
    seed = draw(st.integers(0, 10_000))
    rng = random.Random(seed)
    n = draw(st.integers(3, 12))
    users = [make_user(i, rng) for i in range(n)]
    edited = copy.deepcopy(users)
    expected: dict[str, set[str]] = {}
    for idx in draw(st.sets(st.integers(0, n - 1), max_size=4)):
        user = edited[idx]
        done: list[tuple[Any, ...]] = []
        for _ in range(draw(st.integers(1, 4))):
            candidates = [p for p in _dict_paths(user) if p[0] != "user_id" and not any(_overlaps(p, d) for d in done)]
            op = draw(st.sampled_from(["set", "delete", "add"]))
            if op == "add":
                parents = [p for p in candidates if type(get_path(user, p)) is dict]
                if not parents:
                    continue
                parent = draw(st.sampled_from(parents))
                key = draw(key_text)
                path = parent + (key,)
                if key in get_path(user, parent) or any(_overlaps(path, d) for d in done):
                    continue
                set_path(user, path, draw(json_value))
            else:
                if not candidates:
                    continue
                path = draw(st.sampled_from(candidates))
                if op == "delete":
                    delete_path(user, path)
                else:
                    new = draw(json_value)
                    if jsonio.canonical(new) == jsonio.canonical(get_path(user, path)):
                        continue
                    set_path(user, path, new)
            done.append(path)
        if done:
            expected[users[idx]["user_id"]] = {format_path(p) for p in done}
    return users, edited, expected


def _covers(edited: str, reported: str) -> bool:
    return reported == edited or reported.startswith(edited + ".") or reported.startswith(edited + "[")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_users(), st.randoms(use_true_random=False))
def test_diff_lists_exactly_the_edited_paths(case: Any, order: random.Random) -> None:
    users, edited, expected = case
    order.shuffle(edited)  # order of users never matters
    with tempfile.TemporaryDirectory() as tmp:
        backup = write_ndjson(Path(tmp) / "backup.ndjson", users)
        candidate = write_ndjson(Path(tmp) / "candidate.ndjson", edited)
        result = diff(backup, candidate)
    assert (result.counts.added, result.counts.removed) == (0, 0)
    assert result.counts.changed == len(expected)
    assert result.counts.unchanged == len(users) - len(expected)
    for u in result.changed_users:
        want = expected[u.key]
        got = [c.path for c in u.changes]
        # every reported change lies at or under an edited path, and every edited path shows up
        assert all(any(_covers(w, g) for w in want) for g in got), (want, got)
        assert all(any(_covers(w, g) for g in got) for w in want), (want, got)
        # a scalar replaced by a scalar is reported at exactly its path
        for c in u.changes:
            if c.path in want and c.change in ("changed", "type_changed"):
                assert type(c.old) not in (dict, list) or type(c.new) not in (dict, list) or c.old != c.new


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_users())
def test_import_shaped_candidate_lists_the_importable_edits(case: Any) -> None:
    """An import file (prefix stripped, export-only fields gone) shows the edits of import fields, nothing else.

    A field the file leaves out is left as it is by an upsert: removing it is no change,
    but for email_verified, which an import without it resets to false.
    """
    from bulkedit import fields

    users, edited, expected = case
    shaped = []
    carried: dict[str, set[str]] = {}
    for u in edited:
        out = {k: v for k, v in u.items() if k not in fields.EXPORT_ONLY_FIELDS}
        carried["auth0|" + out["user_id"].split("|", 1)[1]] = set(out)
        out["user_id"] = out["user_id"].split("|", 1)[1]
        shaped.append(out)
    want = {
        k: {p for p in paths if (top := p.split(".")[0].split("[")[0]) not in fields.EXPORT_ONLY_FIELDS and top in carried[k]}
        for k, paths in expected.items()
    }
    for u in users:  # but an import without email_verified resets a verified user's to false (lint BE805)
        if u.get("email_verified") is True and "email_verified" not in carried.get(u["user_id"], {"email_verified"}):
            want.setdefault(u["user_id"], set()).add("email_verified")
    want = {k: v for k, v in want.items() if v}
    with tempfile.TemporaryDirectory() as tmp:
        backup = write_ndjson(Path(tmp) / "backup.ndjson", users)
        candidate = Path(tmp) / "import.json"
        candidate.write_bytes(jsonio.dumps(shaped))
        result = diff(backup, candidate)
    assert (result.counts.added, result.counts.removed, result.counts.changed) == (0, 0, len(want))
    for u in result.changed_users:
        got = [c.path for c in u.changes]
        assert all(any(_covers(w, g) for w in want[u.key]) for g in got), (want[u.key], got)
        assert all(any(_covers(w, g) for g in got) for w in want[u.key]), (want[u.key], got)
