"""What Auth0 accepts, the schema accepts (issue 14, item 2), and what it refuses, lint refuses (item 3)."""

from __future__ import annotations

import jsonschema
import pytest

from bulkedit.lint.rules.passwords import PBKDF2_DIGESTS
from bulkedit.lint.schema import fast_validator, import_schema, validator

SALT_HASH = "c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"


def _pbkdf2(digest: str) -> dict:
    return {"email": "a@x.io", "custom_password_hash": {"algorithm": "pbkdf2", "hash": {"value": f"$pbkdf2-{digest}$i=1000,l=64${SALT_HASH}"}}}


def _ldap(value: str) -> dict:
    return {"email": "a@x.io", "custom_password_hash": {"algorithm": "ldap", "hash": {"value": value}}}


def _b64(value: str) -> dict:
    return {"email": "a@x.io", "custom_password_hash": {"algorithm": "sha256", "hash": {"value": value, "encoding": "base64"}}}


def _valid(user: dict) -> bool:
    got = {validator().is_valid(user), jsonschema.Draft202012Validator(import_schema()).is_valid(user)}
    assert len(got) == 1, "the two validators disagree"
    return got.pop()


def test_every_documented_pbkdf2_digest() -> None:
    assert len(PBKDF2_DIGESTS) == len(set(PBKDF2_DIGESTS)) == 33
    for d in ("sha256WithRSAEncryption", "RSA-SHA256", "rmd160", "ssl3-sha1", "mdc2"):
        assert d in PBKDF2_DIGESTS
    for d in PBKDF2_DIGESTS:
        assert _valid(_pbkdf2(d)), d
    assert not _valid(_pbkdf2("sha3-256"))


@pytest.mark.parametrize("value", ["XohImNooBHFR0OVvjcYpJ3NgPQ1qq73WKhHvch0VQtg", "XohI-_==", "ab-_", "abc", "ab", "YWJj"])
def test_url_safe_and_unpadded_base64(value: str) -> None:
    assert _valid(_b64(value))


@pytest.mark.parametrize("value", ["abcde", "a", "ab=c", "ab!c"])
def test_not_base64(value: str) -> None:
    assert not _valid(_b64(value))


@pytest.mark.parametrize("email", ["user@example.xn--p1ai", "user@EXAMPLE.XN--P1AI", "user@пример.рф"])
def test_internationalised_tld(email: str) -> None:
    assert _valid({"email": email}) and fast_validator()({"email": email})


@pytest.mark.parametrize("email", ["a@x.c0m", "a@x.c"])
def test_unusual_tld_is_not_a_schema_error(email: str) -> None:
    """Only a warning (BE304): the fast check sends it to the rules that explain it."""
    assert _valid({"email": email}) and not fast_validator()({"email": email})


@pytest.mark.parametrize(("scheme", "ok"), [("MD5", True), ("SMD5", True), ("SHA", True), ("SSHA", True), ("SHA256", True),
                                            ("ssha512", True), ("PBKDF2", False), ("PBKDF2-SHA256", False), ("CRYPT", False),
                                            ("ARGON2", False)])
def test_ldap_schemes(scheme: str, ok: bool) -> None:
    assert _valid(_ldap("{" + scheme + "}X03MO1qnZdYdgyfeuILPmQ==")) is ok


@pytest.mark.parametrize("email", ["a@x.c0m", "a@x.c"])
def test_unusual_tld_of_an_mfa_email_factor_takes_the_rules_path(email: str) -> None:
    """BE304 covers an MFA email factor too: the fast check must not let such a user past the rules."""
    user = {"email": "a@x.io", "mfa_factors": [{"email": {"value": email}}]}
    assert _valid(user) and not fast_validator()(user)
    assert fast_validator()({"email": "a@x.io", "mfa_factors": [{"email": {"value": "b@example.xn--p1ai"}}]})
