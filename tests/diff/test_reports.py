"""Report formats on the fixture export vs its edited copy: golden files, json == to_dict(), redaction.

Regenerate the golden files after an intended change with `UPDATE_GOLDEN=1 pytest tests/diff`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bulkedit.cli.app import main
from bulkedit.diff import DiffOptions, diff
from bulkedit.io.read import read_users

GOLDEN = Path(__file__).parent / "golden"
FORMATS = {"text": "txt", "json": "json", "markdown": "md", "html": "html"}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    rc = main(["diff", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_report(workdir: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    rc, out, err = _run(capsys, "backup.json.gz", "edited.ndjson", "--format", fmt)
    assert rc == 1  # the edits include forbidden ones
    assert "forbidden change(s)" in err
    golden = GOLDEN / f"fixture.{FORMATS[fmt]}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text("utf-8")


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_report_redacted(workdir: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    rc, out, _ = _run(capsys, "backup.json.gz", "edited.ndjson", "--format", fmt, "--redact", "--key", "email")
    assert rc == 1
    golden = GOLDEN / f"fixture-redacted.{FORMATS[fmt]}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text("utf-8")
    # no e-mail address and no family name of the export survives in any format
    for user in read_users(workdir / "edited.ndjson") + read_users(workdir / "backup.json.gz"):
        assert user["email"] not in out and user["email"].lower() not in out
        if "family_name" in user and len(user["family_name"]) > 3:
            assert json.dumps(user["family_name"], ensure_ascii=False)[1:-1] not in out


def test_json_report_equals_library_result(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _run(capsys, "backup.json.gz", "edited.ndjson", "--format", "json")
    assert rc == 1
    assert json.loads(out) == diff("backup.json.gz", "edited.ndjson").to_dict()


def test_fixture_diff_content(workdir: Path) -> None:
    """What the golden files pin, stated as facts: counts, the classes, the gate."""
    result = diff("backup.json.gz", "edited.ndjson")
    c = result.counts
    assert (c.backup_users, c.candidate_users, c.changed, c.added, c.removed, c.unchanged) == (52, 52, 12, 1, 1, 39)
    by_path = {ch.path: ch for u in result.changed_users for ch in u.changes}
    assert by_path["app_metadata.seats"].change == "type_changed"
    assert by_path["user_metadata.prefs.lang"].old != by_path["user_metadata.prefs.lang"].new == "fr"
    assert {p for p, ch in by_path.items() if ch.cls == "forbidden"} == {"email", "identities[0].connection", "blocked"}
    assert {p for p, ch in by_path.items() if ch.cls == "risky"} == {"email_verified", "user_metadata.company", "app_metadata.roles[0]"}
    assert {p for p, ch in by_path.items() if ch.cls == "ignored"} == {"username", "logins_count"}
    assert result.gate.failed
    assert [u.status for u in result.users].count("added") == 1
    assert result.to_dict()["users"][-1]["status"] == "removed"


def test_output_file_is_written_and_stdout_stays_empty(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = _run(capsys, "backup.json.gz", "edited.ndjson", "--format", "html", "-o", "report.html")
    assert rc == 1
    assert out == ""
    assert "report: report.html" in err
    page = (workdir / "report.html").read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'id="count-changed">12<' in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "<script src" not in page
    assert not [p for p in workdir.iterdir() if p.name.startswith(".report.html")]


def test_limit_caps_the_text_list(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _run(capsys, "backup.json.gz", "edited.ndjson", "--limit", "2")
    assert rc == 1
    assert "first 2 of 14 users:" in out and "... and 12 more users" in out


def test_library_redaction_option(workdir: Path) -> None:
    d = diff("backup.json.gz", "edited.ndjson", DiffOptions(redact=True)).to_dict()
    text = json.dumps(d, ensure_ascii=False)
    assert "new.address@example.com" not in text and "n***@e***.com" in text
    assert "Renée" not in text and "R***" in text
