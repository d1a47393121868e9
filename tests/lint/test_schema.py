"""schemas/auth0-import-user.schema.json: a valid 2020-12 schema that both validators read alike."""

from __future__ import annotations

import jsonschema
import pytest

from bulkedit.lint.schema import fast_export_validator, fast_validator, import_schema, validator

BCRYPT = "$2b$10$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234"

USERS = [
    ({"email": "a@x.io"}, True),
    ({"email": "a@x.io", "user_metadata": {"a": [{"b": {"c": 1}}], "x": "y.z"}}, True),
    ({"email": "a@x.io", "user_metadata": {"a": [{"b": {"c.d": 1}}]}}, False),
    ({"email": "a@x.io", "app_metadata": {"$set": 1}}, False),
    ({"email": "a@x.io", "app_metadata": {"user_id": "x"}}, False),
    ({"email": "a@x.io", "password_hash": BCRYPT}, True),
    ({"email": "a@x.io", "password_hash": BCRYPT.replace("$10$", "$12$")}, False),
    ({"email": "a@x.io", "custom_password_hash": {"algorithm": "scrypt", "hash": {"value": "ab", "encoding": "hex"}}}, False),
    ({"email": "a@x.io", "custom_password_hash": {"algorithm": "scrypt", "keylen": 64, "hash": {"value": "ab", "encoding": "hex"}}}, True),
    ({"email": "a@x.io", "mfa_factors": [{"totp": {"secret": "JBSWY3DP"}}, {"phone": {"value": "+15550109999"}}]}, True),
    ({"email": "a@x.io", "mfa_factors": [{"totp": {"secret": "JBSWY3DP"}, "phone": {"value": "+1"}}]}, False),
    ({"email": "a@x.io", "created_at": "2020"}, False),
    ({"user_id": "abc"}, False),
    ({"email": "a@x.io", "username": "a@x.io"}, False),
    ({"email": "a@x.io", "name": "x" * 300, "given_name": "y" * 150}, True),
]


def test_is_a_valid_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(import_schema())


@pytest.mark.parametrize(("user", "valid"), USERS)
def test_validators_agree(user, valid):
    schema = import_schema()
    assert validator().is_valid(user) is valid
    assert fast_validator()(user) is valid
    assert jsonschema.Draft202012Validator(schema).is_valid(user) is valid


def test_export_validator_allows_export_fields_only():
    assert fast_export_validator()({"email": "a@x.io", "user_id": "auth0|1", "identities": [{}], "created_at": "x"})
    assert not fast_export_validator()({"email": "a@x.io", "emial": 1})
