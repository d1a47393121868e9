from __future__ import annotations

import pytest

from bulkedit.paths import MISSING, PathConflict, PathError, delete_path, format_path, get_path, parse_path, set_path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email", ("email",)),
        ("user_metadata.plan", ("user_metadata", "plan")),
        ("identities[0].connection", ("identities", 0, "connection")),
        ('app_metadata["a.b"].c', ("app_metadata", "a.b", "c")),
        ("user_metadata.tags[2]", ("user_metadata", "tags", 2)),
        ("Family Name", ("Family Name",)),
    ],
)
def test_parse_and_format(text: str, expected: tuple) -> None:
    assert parse_path(text) == expected
    assert parse_path(format_path(expected)) == expected


@pytest.mark.parametrize("bad", ["", "a..b", ".a", "a.", "[0]", "a.[0]", 'a["x', "a]b"])
def test_malformed_paths(bad: str) -> None:
    with pytest.raises(PathError):
        parse_path(bad)


def test_get_set_delete() -> None:
    user: dict = {"user_metadata": {"prefs": {"lang": "de"}}, "n": None}
    assert get_path(user, ("user_metadata", "prefs", "lang")) == "de"
    assert get_path(user, ("user_metadata", "nope")) is MISSING
    assert get_path(user, ("n",)) is None  # null is not absent
    set_path(user, ("app_metadata", "plan"), "pro")
    assert user["app_metadata"] == {"plan": "pro"}
    set_path(user, ("identities", 0, "connection"), "db")
    assert user["identities"] == [{"connection": "db"}]
    assert delete_path(user, ("user_metadata", "prefs", "lang")) == "de"
    assert user["user_metadata"] == {"prefs": {}}
    assert delete_path(user, ("user_metadata", "gone")) is MISSING
    with pytest.raises(PathConflict):
        set_path({"a": "text"}, ("a", "b"), 1)
