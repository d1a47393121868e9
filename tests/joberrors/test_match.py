"""Matching Auth0's redacted copy of a user to chunk and source users."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bulkedit.joberrors import match
from bulkedit.joberrors.answer import REDACTED
from bulkedit.paths import iter_leaves, set_path

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.floats(allow_nan=False))
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=12
)
users = st.fixed_dictionaries(
    {"email": st.emails(), "user_id": st.text("abcdef0123456789", min_size=1, max_size=12)},
    optional={"user_metadata": st.dictionaries(st.text(max_size=5), json_values, max_size=4), "password_hash": st.text(max_size=20)},
)


def _leaves(user: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [p for p, _ in iter_leaves(user)]


@settings(max_examples=60, deadline=None)
@given(users, st.data())
def test_redacting_any_leaf_still_matches_exactly(user: dict[str, Any], data: st.DataObject) -> None:
    leaves = _leaves(user)
    redacted = copy.deepcopy(user)
    for path in data.draw(st.lists(st.sampled_from(leaves), max_size=3)):
        set_path(redacted, path, REDACTED)
    assert match.redacted_equal(redacted, user)
    assert match.how_matched(redacted, user) == match.EXACT


@settings(max_examples=60, deadline=None)
@given(users, st.data())
def test_changing_an_unredacted_leaf_is_not_exact(user: dict[str, Any], data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(_leaves(user)))
    changed = copy.deepcopy(user)
    from bulkedit.paths import get_path

    old = get_path(user, path)
    new = data.draw(scalars.filter(lambda v: not (type(v) is type(old) and v == old) and v != REDACTED))
    set_path(changed, path, new)
    assert not match.redacted_equal(user, changed)
    if path[0] not in ("email", "user_id"):
        assert match.how_matched(user, changed) == match.EMAIL_AND_ID


def test_types_matter_true_is_not_one() -> None:
    assert not match.redacted_equal({"a": 1}, {"a": True})
    assert not match.redacted_equal({"a": 1.0}, {"a": 1})


def test_different_user_id_is_never_the_same_user() -> None:
    answer = {"email": "Same@Example.com", "user_id": "abc"}
    assert match.how_matched(answer, {"email": "same@example.com", "user_id": "xyz"}) == match.NONE
    assert match.how_matched(answer, {"email": "same@example.com", "user_id": "abc", "name": "x"}) == match.EMAIL_AND_ID
    # an export's prefixed user_id is the same id as the import file's
    assert match.how_matched(answer, {"email": "same@example.com", "user_id": "auth0|abc"}) == match.EMAIL_AND_ID


def test_best_match_prefers_exact_then_connection() -> None:
    class P:
        def __init__(self, name: str, connection: str) -> None:
            self.name, self.connection = name, connection

    answer = {"email": "a@x.io", "name": "A"}
    a, b, c = P("a", "db1"), P("b", "db2"), P("c", "db2")
    cands = [({"email": "a@x.io", "name": "old"}, a), ({"email": "a@x.io", "name": "old"}, b), ({"email": "a@x.io", "name": "A"}, c)]
    best = match.best_match(answer, cands)
    assert best.item is c and best.how == match.EXACT and best.ties == 0
    best = match.best_match(answer, cands[:2], prefer="db2")
    assert best.item is b and best.how == match.EMAIL and best.ties == 0
    best = match.best_match(answer, cands[:2])
    assert best.item is a and best.ties == 1
    assert match.best_match(answer, []).item is None


def test_integer_beyond_64_bits_matches_the_float_a_fast_parser_made() -> None:
    big = 1180591620717411303424
    assert match.redacted_equal({"n": big}, {"n": float(big)})
    assert not match.redacted_equal({"n": big}, {"n": float(big) * 2})
    assert not match.redacted_equal({"n": 7}, {"n": 7.0})
