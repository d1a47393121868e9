"""The duplicate rules keep hashes, not values: equal hashes are proved from the files, and the
findings are those of one pass that kept every value (issue 13: lint's memory for push)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import bulkedit.lint.duplicate_keys as dk
import bulkedit.lint.parts as parts
from bulkedit.io.read import open_source
from bulkedit.lint import LintOptions, lint
from bulkedit.lint.engine import make_checker
from bulkedit.lint.run import lint_source


def _users(rnd: random.Random, n: int, conns: list[str]) -> list[dict]:
    users = []
    for _ in range(n):
        u = {
            "email": rnd.choice("abcAde") + str(rnd.randint(0, 8)) + "@x.io",
            "user_id": ("auth0|" if rnd.random() < 0.5 else "") + "id" + str(rnd.randint(0, 40)),
            "identities": [{"connection": rnd.choice(conns), "provider": "auth0", "user_id": "x", "isSocial": False}],
            "email_verified": True,
        }
        if rnd.random() < 0.3:
            u["username"] = "u" + str(rnd.randint(0, 5))
        if rnd.random() < 0.2:
            u["created_at"] = "2020-01-01T00:00:00.000Z"  # export-only: the conversion path
        users.append(u)
    return users


def _files(tmp_path: Path, seed: int, kinds: tuple[str, ...] = ("ndjson", "array-one-line", "array")) -> list[Path]:
    """Files of users with many repeated emails, user_ids and usernames in up to three connections."""
    rnd = random.Random(seed)
    conns = ["db-a", "db-b", "db-c"][: rnd.randint(1, 3)]
    paths = []
    for i, kind in enumerate(kinds):
        users = _users(rnd, rnd.randint(5, 60), conns)
        if kind == "ndjson":
            path = tmp_path / f"f{seed}-{i}.ndjson"
            path.write_text("".join(json.dumps(u) + "\n" for u in users))
        elif kind == "array-one-line":  # users share a line: their values are kept, not read again
            path = tmp_path / f"f{seed}-{i}.json"
            path.write_text(json.dumps(users))
        else:
            path = tmp_path / f"f{seed}-{i}.json"
            path.write_text("[\n" + ",\n".join(json.dumps(u) for u in users) + "\n]\n")
        paths.append(path)
    return paths


def _lint(paths: list[Path], cap: int) -> dict:
    return lint(paths, LintOptions(config={}, max_per_rule=cap)).to_dict()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("cap", [0, 2])
def test_equal_hashes_of_different_values_are_not_duplicates(tmp_path, monkeypatch, seed, cap):
    paths = _files(tmp_path, seed)
    honest = _lint(paths, cap)
    assert {"BE201", "BE202"} <= set(honest["rules"])
    monkeypatch.setattr(dk, "hash", lambda value: 7, raising=False)  # every value collides
    assert _lint(paths, cap) == honest


@pytest.mark.parametrize("seed", range(4))
def test_two_processes_with_a_cap_keep_the_findings_of_one_pass(tmp_path, monkeypatch, seed):
    """With --max-per-rule the kept findings are the first ones in file order, whichever process read them."""
    paths = _files(tmp_path, seed, kinds=("ndjson", "ndjson"))
    monkeypatch.setattr(parts, "PARALLEL_MIN_BYTES", 1 << 40)
    one = _lint(paths, 1)
    monkeypatch.setattr(parts, "PARALLEL_MIN_BYTES", 1)
    assert parts.parallel_cut(open_source(paths[0])) is not None
    assert _lint(paths, 1) == one
    monkeypatch.setattr(dk, "hash", lambda value: len(value) % 2, raising=False)
    assert _lint(paths, 1) == one


def test_values_are_not_kept_and_files_are_read_again_only_for_repeats(tmp_path, monkeypatch):
    users = [{"email": f"u{i}@x.io", "user_id": f"id{i}", "identities": [{"connection": "db", "provider": "auth0"}]} for i in range(3000)]
    users[2500]["email"] = "U7@x.io"
    path = tmp_path / "users.ndjson"
    path.write_text("".join(json.dumps(u) + "\n" for u in users))
    opened: list[Path] = []
    real_open = dk.open_source
    monkeypatch.setattr(dk, "open_source", lambda p, **kw: opened.append(p) or real_open(p, **kw))

    checker = make_checker(LintOptions(config={}, max_per_rule=0))
    source = open_source(path)
    lint_source(checker, source, None)
    stored = checker.dup_keys._seen
    # 16 bytes per user and rule with a value (no username here), no value kept as a string
    assert sum(s.hashes.itemsize * len(s.hashes) + s.packed.itemsize * len(s.packed) for s in stored.values()) == 2 * 3000 * 16
    assert all(not s.kept for s in stored.values())
    assert opened == []
    result = checker.result([])
    assert [(f.code, f.pos, f.message, f.user) for f in result.findings if f.code.startswith("BE2")] == [
        ("BE201", 2501, f"email 'u7@x.io' already appears at {path}:8 (same connection)", "id2500")
    ]
    assert opened == [path]  # read again once, for the two users whose hashes are equal


def test_users_without_a_file_keep_their_values():
    """joberrors checks rebuilt users that no file holds: their values are kept and compared."""
    checker = make_checker(LintOptions(config={}, max_per_rule=0))
    idx = checker.begin_file("retry")
    for pos, email in enumerate(["a@x.io", "b@x.io", "A@x.io"], 1):
        checker.check({"email": email, "user_id": f"id{pos}", "connection": "db"}, idx, pos, "db", judged_as="import")
    checker.find_duplicates()  # as joberrors.lintmap does
    assert [(f.pos, f.message, f.user) for f in checker.findings if f.code == "BE201"] == [
        (3, "email 'a@x.io' already appears at retry:1 (same connection)", "id3")
    ]
