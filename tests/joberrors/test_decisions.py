"""Data-driven retry decisions: one case file per situation in cases/ (`pytest -k conflict` runs a few).

Each case gives Auth0's errors for one user, the user as Auth0 echoed it (`sent`,
secrets as *****), the edited export (`source`), and the expected decision, with a
substring of the reason when listed and the connection when retried.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml

from bulkedit.joberrors.analyse import explain

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


@pytest.mark.parametrize("case_file", CASES, ids=[c.stem for c in CASES])
def test_decision(case_file: Path, tmp_path: Path) -> None:
    case: dict[str, Any] = yaml.safe_load(case_file.read_text(encoding="utf-8"))
    answer = tmp_path / "errors.json"
    answer.write_text(json.dumps([{"user": case["sent"], "errors": case["errors"]}], indent=2))
    source = tmp_path / "edited.ndjson"
    source.write_text("".join(json.dumps(u) + "\n" for u in case["source"]))
    out = tmp_path / "retry"
    result = explain([answer], source=source, retry_dir=out, **case.get("options", {}))
    (failure,) = result.failures
    assert failure.decision == case["decision"], failure.reason
    manifest = json.loads((out / "manifest.json").read_text())
    retried = [u for c in manifest["chunks"] for u in json.loads((out / c["file"]).read_text())]
    if case["decision"] == "listed":
        assert case["reason"] in (failure.reason or "")
        assert retried == []
        assert [n["reason"] for n in manifest["left_out"]] == [failure.reason]
        return
    assert failure.reason is None and manifest["left_out"] == []
    (chunk,) = manifest["chunks"]
    assert chunk["connection"] == case["connection"]
    assert chunk["upsert"] is (case["decision"] == "retry-upsert")
    assert chunk["file"].startswith("upsert/" if chunk["upsert"] else case["connection"])
    (user,) = retried
    assert user["user_id"] == case["sent"]["user_id"]  # import-shaped: no auth0| prefix
    assert "identities" not in user and "created_at" not in user
    assert "*****" not in json.dumps(user)
    for key, value in case.get("in_retry", {}).items():
        assert user[key] == value
    mode = stat.S_IMODE((out / chunk["file"]).stat().st_mode)
    assert (mode == 0o600) is bool(case.get("private")), oct(mode)
    if "source_line" in case:
        assert failure.source == f"{source}:{case['source_line']}"
