"""A malformed line (or one repeating a key in an object) is an input error (exit 2, file:line)
even when the same bytes are in both files.

The NDJSON fast pass does not parse a line that has an identical twin on the other side;
it must still refuse a line no other command would read.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from bulkedit.cli.app import main
from bulkedit.diff import diff
from bulkedit.diff import lines as diff_lines
from bulkedit.io import jsonio
from bulkedit.io.read import read_users
from tests.diff.conftest import EXPORT

BROKEN = {
    "truncated object": b'{"user_id":"auth0|zzz","email":"z@z.z", BROKEN',
    "unclosed": b'{"email":"a@b.c"',
    "two commas": b'{"user_id":"auth0|zzz","email":"z@z.z",,"x":1}',
    "not an object": b'["auth0|zzz","z@z.z"]',
    "invalid utf-8": b'{"user_id":"auth0|zzz","email":"z@z.z","name":"\xff\xfe"}',
    "bad literal": b'{"user_id":"auth0|zzz","email":"z@z.z","blocked":tru}',
    # a key twice in one object (issue 16): every reader refuses it, so diff does too
    "email twice": b'{"user_id":"auth0|zzz","email":"a@x.io","email_verified":true,"email":"b@x.io"}',
    "metadata key twice": b'{"user_id":"auth0|zzz","email":"z@z.z","user_metadata":{"plan":"a","plan":"b"}}',
    "identity key twice": b'{"user_id":"auth0|zzz","email":"z@z.z","identities":[{"connection":"db","connection":"db"}]}',
    "blocked twice, spaced": b'{"user_id": "auth0|zzz", "blocked": false, "email": "z@z.z", "blocked": true}',
}
TWICE = {"email twice": "email", "metadata key twice": "plan", "identity key twice": "connection", "blocked twice, spaced": "blocked"}


def _lines() -> list[bytes]:
    return [jsonio.dumps(u) for u in read_users(EXPORT)]


@pytest.fixture(params=["inline", "worker"])
def checked_in(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Lines are checked inline, or (a large file, two cores) in a forked worker: both ways must refuse."""
    if request.param == "worker":
        if (os.cpu_count() or 1) < 2:
            pytest.skip("one core: the worker is never used")
        monkeypatch.setattr(diff_lines, "PARALLEL_MIN_BYTES", 0)
    return str(request.param)


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("bad", list(BROKEN), ids=list(BROKEN))
def test_identical_malformed_line_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str, compressed: bool, checked_in: str) -> None:
    lines = _lines()
    lines[20] = BROKEN[bad]
    backup = tmp_path / ("bk.ndjson.gz" if compressed else "bk.ndjson")
    body = b"\n".join(lines) + b"\n"
    backup.write_bytes(gzip.compress(body) if compressed else body)
    lines[3] = lines[3].replace(b'"nickname":"', b'"nickname":"x', 1)  # one real change besides
    cand = tmp_path / "cand.ndjson"
    cand.write_bytes(b"\n".join(lines) + b"\n")
    rc = main(["diff", str(backup), str(cand), "-o", str(tmp_path / "r.txt")])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert f"{cand}:21:" in err and "Traceback" not in err
    if bad in TWICE:
        assert f"the key {TWICE[bad]!r} appears twice" in err
    assert not (tmp_path / "r.txt").exists()


def test_a_file_holding_only_a_truncated_object(tmp_path: Path, capsys: pytest.CaptureFixture[str], checked_in: str) -> None:
    f = tmp_path / "trunc.ndjson"
    f.write_bytes(b'{"email":"a@b.c"\n')
    rc = main(["diff", str(f), str(f)])
    out = capsys.readouterr()
    assert rc == 2 and out.out == ""
    assert f"{f}:1: malformed JSON" in out.err


def test_valid_files_pass_the_worker_check(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker finds nothing in valid files: the same result as the inline check."""
    (workdir / "backup.ndjson").write_bytes(b"".join(line + b"\n" for line in _lines()))
    inline = diff("backup.ndjson", "edited.ndjson").to_dict()
    monkeypatch.setattr(diff_lines, "PARALLEL_MIN_BYTES", 0)
    assert diff("backup.ndjson", "edited.ndjson").to_dict() == inline


def test_a_malformed_line_without_twin_is_named_the_same_way(tmp_path: Path, capsys: pytest.CaptureFixture[str], checked_in: str) -> None:
    lines = _lines()
    backup = tmp_path / "bk.ndjson"
    backup.write_bytes(b"\n".join(lines) + b"\n")
    lines[30] = lines[30][:-9]
    cand = tmp_path / "cand.ndjson"
    cand.write_bytes(b"\n".join(lines) + b"\n")
    rc = main(["diff", str(backup), str(cand)])
    err = capsys.readouterr().err
    assert rc == 2 and f"{cand}:31: malformed JSON" in err
