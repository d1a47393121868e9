"""The NDJSON fast pass remembers backup lines by hash and place; collisions must never hide a change."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bulkedit.diff import DiffOptions, diff, ndjson_pass
from bulkedit.errors import InputError
from bulkedit.io.read import read_users
from tests.diff.conftest import EXPORT, apply_fixture_edits, write_ndjson


def _files(tmp_path: Path) -> tuple[Path, Path]:
    users = read_users(EXPORT)
    backup = write_ndjson(tmp_path / "backup.ndjson", users)
    cand = write_ndjson(tmp_path / "cand.ndjson", apply_fixture_edits(read_users(EXPORT)))
    return backup, cand


@pytest.mark.parametrize("bad_hash", [lambda line: 0, lambda line: len(line) % 3])
def test_colliding_hashes_give_the_same_diff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad_hash) -> None:  # type: ignore[no-untyped-def]
    backup, cand = _files(tmp_path)
    expected = diff(backup, cand, DiffOptions()).to_dict()
    monkeypatch.setattr(ndjson_pass, "hash", bad_hash, raising=False)
    assert diff(backup, cand, DiffOptions()).to_dict() == expected


def _as_text(result: dict, *names: Path) -> str:
    text = json.dumps(result, sort_keys=True)
    for name in names:
        text = text.replace(str(name), "BACKUP")
    return text


def test_mapped_and_in_memory_passes_agree(tmp_path: Path) -> None:
    backup, cand = _files(tmp_path)
    gz = tmp_path / "backup.ndjson.gz"
    gz.write_bytes(gzip.compress(backup.read_bytes()))  # compressed: the in-memory pass
    mapped = diff(backup, cand, DiffOptions()).to_dict()
    in_memory = diff(gz, cand, DiffOptions()).to_dict()
    assert mapped["counts"]["changed"] > 0
    assert _as_text(mapped, backup) == _as_text(in_memory, gz)


def test_bom_crlf_and_blank_lines_keep_their_places(tmp_path: Path) -> None:
    backup, cand = _files(tmp_path)
    plain = diff(backup, cand, DiffOptions()).to_dict()
    odd = tmp_path / "odd.ndjson"
    text = backup.read_bytes().replace(b"\n", b"\r\n")
    first_end = text.index(b"\r\n") + 2
    odd.write_bytes(b"\xef\xbb\xbf" + text[:first_end] + b"\r\n  \r\n" + text[first_end:])
    shifted = diff(odd, cand, DiffOptions()).to_dict()
    # the same users and changes; only line numbers after the inserted blank lines move
    assert shifted["counts"] == plain["counts"] and plain["counts"]["changed"] > 0
    assert shifted["fields"] == plain["fields"] and shifted["classes"] == plain["classes"]


@pytest.mark.parametrize("where", ["backup", "candidate"])
def test_duplicates_found_under_collisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    backup, cand = _files(tmp_path)
    target = backup if where == "backup" else cand
    lines = target.read_bytes().splitlines(keepends=True)
    target.write_bytes(b"".join(lines + [lines[3]]))
    monkeypatch.setattr(ndjson_pass, "hash", lambda line: 0, raising=False)
    with pytest.raises(InputError, match="appears twice"):
        diff(backup, cand, DiffOptions())
