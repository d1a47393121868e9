"""Reading saved answers of GET /jobs/{id}/errors: both shapes, gzip, positions, malformed files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bulkedit.errors import InputError
from bulkedit.joberrors.answer import ERRORS, STATUS, read_answer

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "job-errors"


def test_pretty_answer_entries_point_at_their_line() -> None:
    ans = read_answer(CORPUS / "errors-job1.json")
    assert ans.kind == ERRORS and len(ans.entries) == 9
    lines = (CORPUS / "errors-job1.json").read_text(encoding="utf-8").split("\n")
    for e in ans.entries:
        assert lines[e.line - 1].strip() == "{", e.where
        # the very next line opens the user: the entry's position is its own, not a neighbour's
        assert lines[e.line].strip() == '"user": {'
    assert [e.index for e in ans.entries] == list(range(9))


def test_gzip_answer_reads_like_plain(tmp_path: Path) -> None:
    gz = read_answer(CORPUS / "errors-job2.json.gz")
    plain = tmp_path / "job2.json"
    plain.write_bytes(gzip.decompress((CORPUS / "errors-job2.json.gz").read_bytes()))
    assert [(e.user, e.errors) for e in read_answer(plain).entries] == [(e.user, e.errors) for e in gz.entries]
    assert len(gz.entries) == 4


def test_empty_answer() -> None:
    ans = read_answer(CORPUS / "errors-empty.json")
    assert ans.kind == ERRORS and ans.entries == ()
    assert "no failed users" in ans.describe()


def test_job_status_answer_says_there_are_no_per_user_errors() -> None:
    ans = read_answer(CORPUS / "job-status.json")
    assert ans.kind == STATUS and ans.entries == ()
    text = ans.describe()
    assert text.startswith("job job_Qb3XnYz81Lk2ab7F is completed: 4 failed, 0 updated, 20 inserted, 24 total")
    assert "this file has no per-user errors" in text


def test_unknown_codes_and_odd_errors_are_kept(tmp_path: Path) -> None:
    p = tmp_path / "odd.json"
    p.write_text(
        json.dumps(
            [
                {"user": {"email": "a@x.io"}, "errors": [{"code": "BRAND_NEW", "message": "m", "path": "p"}]},
                {"user": {"email": "b@x.io"}, "errors": ["plain text error"]},
                {"user": {"email": "c@x.io"}, "errors": [{"message": "no code"}]},
                {"user": {"email": "d@x.io"}, "errors": []},
            ]
        )
    )
    codes = [[err.code for err in e.errors] for e in read_answer(p).entries]
    assert codes == [["BRAND_NEW"], ["(no code)"], ["(no code)"], ["(no code)"]]


def test_big_integers_in_metadata_stay_exact(tmp_path: Path) -> None:
    p = tmp_path / "big.json"
    p.write_text('[{"user": {"email": "a@x.io", "app_metadata": {"n": 123456789012345678901234567890}}, "errors": []}]')
    assert read_answer(p).entries[0].user["app_metadata"]["n"] == 123456789012345678901234567890


def test_ndjson_answer_is_accepted(tmp_path: Path) -> None:
    p = tmp_path / "lines.json"
    p.write_text(
        '{"user": {"email": "a@x.io"}, "errors": [{"code": "FORMAT", "message": "m", "path": "email"}]}\n\n'
        '{"user": {"email": "b@x.io"}, "errors": [{"code": "PATTERN", "message": "m", "path": "phone_number"}]}\n'
    )
    ans = read_answer(p)
    assert [(e.line, e.errors[0].code) for e in ans.entries] == [(1, "FORMAT"), (3, "PATTERN")]


BAD = [
    ("truncated", None, "malformed JSON", True),
    ("api-error", None, "API error answer", True),
    ("scalar", "42", "found a number", True),
    ("element", '[\n {"user": {}, "errors": []},\n 7\n]', "element 1 is a number", True),
    ("no-user", '[\n {"errors": []}\n]', "has no 'user' object", True),
    ("errors-type", '[{"user": {}, "errors": "bad"}]', "'errors' is a string", True),
    ("other-object", '{"hello": 1}', "neither a job status nor an error entry", True),
    ("empty-object", "{}", "an empty JSON object is neither a job status nor an error entry", True),
    # every malformed error item is refused the same way, whichever part is wrong
    ("error-number", '[{"user": {}, "errors": [1]}]', "element 0: error 0 is a number, not an object", True),
    ("code-number", '[{"user": {}, "errors": [{"code": 5, "message": "m", "path": "p"}]}]', "element 0: error 0 has a 'code' that is a number, not a string", True),
    ("path-number", '[{"user": {}, "errors": [{"code": "X", "message": "m", "path": 7}]}]', "element 0: error 0 has a 'path' that is a number, not a string", True),
    ("message-object", '[\n {"user": {}, "errors": [{"code": "X", "message": {}}]}\n]', "element 0: error 0 has a 'message' that is an object", True),
    ("empty", "", "the file is empty", False),
    ("nan", '[{"user": {"n": NaN}, "errors": []}]', "NaN", True),
    ("not-utf8", b'[{"user": {"email": "\xff"}, "errors": []}]', "invalid UTF-8", True),
    ("broken-gzip", b"\x1f\x8b\x08\x00garbage", "broken gzip", False),
]


@pytest.mark.parametrize(("name", "content", "message", "has_line"), BAD, ids=[b[0] for b in BAD])
def test_malformed_answers_name_file_and_line(tmp_path: Path, name: str, content: str | bytes | None, message: str, has_line: bool) -> None:
    if content is None:
        p = CORPUS / f"{name}.json"
    else:
        p = tmp_path / f"{name}.json"
        p.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(InputError) as info:
        read_answer(p)
    err = info.value
    assert message in err.message
    assert err.where is not None and err.where.startswith(str(p))
    if has_line:
        assert err.where.rsplit(":", 1)[1].isdigit()


def test_truncated_answer_names_the_line_where_it_breaks() -> None:
    with pytest.raises(InputError) as info:
        read_answer(CORPUS / "truncated.json")
    line = int(info.value.where.rsplit(":", 1)[1])
    assert line == len((CORPUS / "truncated.json").read_text(encoding="utf-8").split("\n"))


def test_missing_file() -> None:
    with pytest.raises(InputError, match="no such file"):
        read_answer(CORPUS / "does-not-exist.json")


def test_compact_answer_reads_like_pretty(tmp_path: Path) -> None:
    pretty = read_answer(CORPUS / "errors-job1.json")
    compact = tmp_path / "compact.json"
    compact.write_text(json.dumps(json.loads((CORPUS / "errors-job1.json").read_text()), separators=(",", ":")) + "\n")
    got = read_answer(compact)
    assert [(e.user, e.errors, e.index, e.line) for e in got.entries] == [(e.user, e.errors, e.index, 1) for e in pretty.entries]
    bad = tmp_path / "bad.json"
    bad.write_text('[{"user": {}, "errors": []}, 5]')
    with pytest.raises(InputError, match="element 1 is a number"):
        read_answer(bad)
