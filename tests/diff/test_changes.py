"""Field-level changes and their classes, one data-driven case per kind of change (cases/changes.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulkedit.diff import CLASSES, field_changes
from bulkedit.diff.gate import field_name
from bulkedit.diff.redact import mask_email, redact_value

CASES = json.loads((Path(__file__).parent / "cases" / "changes.json").read_text("utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_field_changes(case: dict) -> None:
    got = [[c.path, c.change, c.cls] for c in field_changes(case["old"], case["new"])]
    assert got == case["expect"]
    for c in field_changes(case["old"], case["new"]):
        assert c.cls in CLASSES
        assert c.reason


def test_old_and_new_values_are_exact_and_absent_is_not_null() -> None:
    (c,) = field_changes({"user_metadata": {"x": None}}, {"user_metadata": {}})
    assert c.to_dict() == {"path": "user_metadata.x", "change": "removed", "old": None, "class": "risky", "reason": c.reason}
    (c,) = field_changes({"app_metadata": {"n": 2**70}}, {"app_metadata": {"n": 2**70 + 1}})
    assert (c.old, c.new) == (2**70, 2**70 + 1)


def test_equal_users_have_no_changes() -> None:
    user = {"email": "a@x.io", "user_metadata": {"a": [1, {"b": None}], "c": 1.5}}
    assert field_changes(user, json.loads(json.dumps(user))) == ()


def test_field_name_folds_list_indices() -> None:
    assert field_name("app_metadata.roles[12]") == "app_metadata.roles[]"
    assert field_name("identities[0].connection") == "identities[].connection"
    assert field_name('app_metadata["a.b"]') == 'app_metadata["a.b"]'


def test_redaction_masks_names_and_any_email() -> None:
    assert mask_email("jane.doe@example.com") == "j***@e***.com"
    assert redact_value(("email",), "jane@example.com") == "j***@e***.com"
    assert redact_value(("family_name",), "Ødegård") == "Ø***"
    assert redact_value(("user_metadata", "note"), "write to bob@corp.example.io please") == "write to b***@c***.io please"
    assert redact_value(("user_metadata",), {"contact": "bob@x.io", "n": 1}) == {"contact": "b***@x***.io", "n": 1}
    assert redact_value(("app_metadata", "plan"), "pro") == "pro"


def test_redaction_reaches_keys_holding_an_email(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bulkedit.diff import DiffOptions, diff
    from tests.diff.conftest import write_ndjson

    old = {"user_id": "samlp|corp|jane.doe@corp.example.io", "email": "jane.doe@corp.example.io", "given_name": "Jane"}
    new = dict(old, given_name="Janet")
    a = write_ndjson(tmp_path / "a.ndjson", [old])
    b = write_ndjson(tmp_path / "b.ndjson", [new])
    text = str(diff(a, b, DiffOptions(redact=True)).to_dict())
    assert "jane.doe" not in text and "Janet" not in text
    assert "samlp|corp|j***@c***.io" in text


def test_negative_zero_is_not_a_change(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bulkedit.diff import diff
    from tests.diff.conftest import write_ndjson

    a = write_ndjson(tmp_path / "a.ndjson", [{"user_id": "auth0|1", "email": "a@x.io", "app_metadata": {"score": 0.0}}])
    b = tmp_path / "b.json"
    b.write_text('[{"user_id": "auth0|1", "email": "a@x.io", "app_metadata": {"score": -0.0}}]')
    result = diff(a, b)
    assert (result.counts.unchanged, result.counts.changed) == (1, 0)
