"""to_import_user: what emit makes of each kind of user."""

from __future__ import annotations

import pytest

from bulkedit.importfile.convert import to_import_user
from bulkedit.io.read import open_source

CASES = [
    pytest.param(
        {"user_id": "auth0|abc", "email": "a@x.io", "created_at": "2020-01-01T00:00:00.000Z",
         "identities": [{"connection": "db", "provider": "auth0", "user_id": "abc", "isSocial": False}]},
        {"user_id": "abc", "email": "a@x.io"}, ("created_at", "identities"), (), True, "db", True, id="export-user"),
    pytest.param(
        {"email": "a@x.io", "Family Name": "Smith", "Created At": "2020"},
        {"email": "a@x.io", "family_name": "Smith"}, ("Created At",), (("Family Name", "family_name"),), False, None, True,
        id="renamed-keys"),
    pytest.param(
        {"user_id": "google-oauth2|123", "email": "a@x.io"},
        {"user_id": "google-oauth2|123", "email": "a@x.io"}, (), (), False, None, False, id="social"),
    pytest.param({"email": "a@x.io", "emial": "x"}, {"email": "a@x.io", "emial": "x"}, (), (), False, None, True,
                 id="unknown-key-kept-for-lint"),
]


@pytest.mark.parametrize(("user", "out", "dropped", "renamed", "stripped", "conn", "importable"), CASES)
def test_to_import_user(user, out, dropped, renamed, stripped, conn, importable):
    c = to_import_user(user)
    assert c.user == out
    assert list(c.user) == list(out)
    assert c.dropped == dropped
    assert c.renamed == renamed
    assert c.stripped_prefix is stripped
    assert c.connection == conn
    assert c.importable is importable
    assert (c.reason is None) is importable


def test_import_ready_user_passes_through_unchanged():
    user = {"email": "a@x.io", "user_id": "abc", "user_metadata": {"a": 1}}
    c = to_import_user(user)
    assert c.user is user
    assert not c.changed


def test_converting_twice_changes_nothing_more():
    for rec in open_source("fixtures/export.json.gz").records():
        once = to_import_user(rec.user)
        twice = to_import_user(once.user)
        assert twice.user == once.user
        assert not twice.changed


def test_foreign_prefix_is_not_importable_even_with_auth0_identity():
    c = to_import_user({"user_id": "samlp|corp|u1", "email": "a@x.io", "identities": [{"provider": "auth0", "connection": "db"}]})
    assert not c.importable and c.strategy == "samlp"


def test_in_place_conversion_equals_copy():
    for rec in open_source("fixtures/export.json.gz").records():
        copy = to_import_user(dict(rec.user))
        user = dict(rec.user)
        inplace = to_import_user(user, in_place=True)
        assert inplace.user == copy.user and list(inplace.user) == list(copy.user)
        assert inplace.dropped == copy.dropped and inplace.importable == copy.importable
