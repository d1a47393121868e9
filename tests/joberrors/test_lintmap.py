"""The lint check of rebuilt retry users: each user alone, and the users together."""

from __future__ import annotations

from bulkedit.joberrors.lintmap import lint_errors


def test_two_retry_users_with_one_email_are_both_judged() -> None:
    users = [
        (3, {"email": "a@x.io", "user_id": "u1"}, "db"),
        (7, {"email": "A@x.io", "user_id": "u2"}, "db"),
        (9, {"email": "a@x.io", "user_id": "u3"}, "other-db"),  # another connection: no clash
    ]
    found = lint_errors(users, "edited.ndjson")
    assert list(found) == [7]
    assert found[7][0].startswith("BE201 ") and "edited.ndjson:3" in found[7][0]


def test_a_user_the_schema_rejects_is_named() -> None:
    found = lint_errors([(1, {"email": "not-an-email", "user_id": "u1"}, "db")], "f.ndjson")
    assert list(found) == [1]
