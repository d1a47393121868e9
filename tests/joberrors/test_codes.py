"""Every code Auth0 documents is explained, and every lint rule named exists in the registry."""

from __future__ import annotations

import pytest

from bulkedit.joberrors import codes

# auth0-formats.md §3: the documented codes, PROFILE_SIZE_EXCEEDED (older docs), INVALID_FORMAT (live answers)
DOCUMENTED = ["ANY_OF_MISSING", "ARRAY_LENGTH_LONG", "ARRAY_LENGTH_SHORT", "CONFLICT", "CONFLICT_EMAIL", "CONFLICT_USERNAME", "CONNECTION_NOT_FOUND", "DUPLICATED_USER", "ENUM_MISMATCH", "FORMAT", "INVALID_TYPE", "MAX_LENGTH", "MAXIMUM", "MFA_FACTORS_FAILED", "MIN_LENGTH", "MINIMUM", "NOT_PASSED", "OBJECT_REQUIRED", "PATTERN", "PROFILE_SIZE_EXCEEDED", "INVALID_FORMAT"]


@pytest.mark.parametrize("code", DOCUMENTED)
def test_documented_code_is_explained(code: str) -> None:
    ci = codes.info(code)
    assert ci.known and ci.code == code
    assert ci.title and len(ci.meaning) > 30 and len(ci.action) > 20
    assert ci.policy in (codes.RETRY, codes.FIX_FIRST, codes.NEVER, codes.EXISTS)


def test_unknown_code_is_kept_and_never_retried_blindly() -> None:
    ci = codes.info("SOMETHING_NEW")
    assert not ci.known and ci.code == "SOMETHING_NEW" and ci.policy == codes.UNKNOWN


def test_duplicate_in_file_message() -> None:
    assert codes.is_duplicate_in_file("A user with this email was already provided.")
    assert not codes.is_duplicate_in_file("The user already exist")


def test_every_referenced_lint_rule_exists_in_the_registry() -> None:
    from bulkedit.lint.registry import all_rules

    names = {r.name: r.code for r in all_rules()}
    referenced = {name for ci in codes.CODES.values() for name in ci.lint_rules}
    missing = sorted(referenced - names.keys())
    assert not missing, f"job-error explanations name lint rules that do not exist: {missing}"
    from bulkedit.joberrors.lintmap import lint_codes_for

    pattern = codes.info("PATTERN")
    assert lint_codes_for(pattern) == [names[n] for n in pattern.lint_rules]
