"""A large NDJSON file is read in two processes; the result must be exactly that of one pass."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bulkedit.lint.parts as parts
from bench.generate import generate
from bulkedit.emit.emit import EmitOptions, emit
from bulkedit.errors import InputError
from bulkedit.importfile.convert import to_import_user
from bulkedit.io.read import open_source
from bulkedit.lint import LintOptions, lint
from bulkedit.lint.schema import fast_validator, validator


def _file(tmp_path, n=400, extra=()):
    users = list(generate(n, seed=3, social_every=25))
    users[5]["email"] = "bad@@x"
    for j in (n - 3, n - 6):  # twice the duplicate of a user of the first half
        users[j]["email"] = users[2]["email"].upper()
        users[j]["identities"] = users[2]["identities"]
    users[n - 10]["user_id"] = users[n - 20]["user_id"]  # a duplicate within the second half
    users[n - 10]["identities"] = users[n - 20]["identities"]
    users[n // 2 + 10]["user_metadata"] = {"a.b": 1}
    for i, u in extra:
        users[i] = u
    path = tmp_path / "big.ndjson"
    path.write_bytes(b"".join(json.dumps(u).encode() + b"\n" for u in users))
    return path


def _sequential(monkeypatch):
    monkeypatch.setattr(parts, "PARALLEL_MIN_BYTES", 1 << 40)


def test_lint_two_processes_equal_one(tmp_path, monkeypatch):
    path = _file(tmp_path)
    monkeypatch.setattr(parts, "PARALLEL_MIN_BYTES", 1)
    assert parts.parallel_cut(open_source(path)) is not None
    par = lint([path], LintOptions(config={}, max_per_rule=0)).to_dict()
    _sequential(monkeypatch)
    seq = lint([path], LintOptions(config={}, max_per_rule=0)).to_dict()
    assert par == seq
    assert {"BE201", "BE301", "BE602", "BE004"} <= set(seq["rules"])


def test_two_files_two_processes_equal_one(tmp_path, monkeypatch):
    path = _file(tmp_path)
    other = tmp_path / "other.ndjson"
    other.write_bytes(path.read_bytes().split(b"\n", 1)[1])  # every user again, one line lower
    monkeypatch.setattr(parts, "PARALLEL_MIN_BYTES", 1)
    par = lint([path, other], LintOptions(config={}, max_per_rule=0)).to_dict()
    _sequential(monkeypatch)
    seq = lint([path, other], LintOptions(config={}, max_per_rule=0)).to_dict()
    assert par == seq
    assert seq["rules"]["BE202"]["count"] > 380


def test_emit_two_processes_equal_one(tmp_path, monkeypatch):
    path = _file(tmp_path, extra=[(5, {"email": "ok@x.io", "user_id": "auth0|zz", "identities": [{"connection": "db3", "provider": "auth0"}]}),
                                  (397, {"email": "z@x.io", "identities": [{"connection": "legacy-db", "provider": "auth0"}]}),
                                  (210, {"email": "m@x.io", "user_id": "auth0|m", "identities": [{"connection": "legacy-db", "provider": "auth0"}]})])
    monkeypatch.setattr(parts, "PARALLEL_MIN_BYTES", 1)
    par = emit(path, tmp_path / "par", EmitOptions(max_bytes=20_000, config={}, select="BE1,BE3,BE4"))
    _sequential(monkeypatch)
    seq = emit(path, tmp_path / "seq", EmitOptions(max_bytes=20_000, config={}, select="BE1,BE3,BE4"))
    assert par.manifest == seq.manifest
    written: dict[str, list] = {}
    for c in seq.chunks:
        assert (tmp_path / "par" / c["file"]).read_bytes() == (tmp_path / "seq" / c["file"]).read_bytes()
        written.setdefault(c["connection"], []).extend(json.loads((tmp_path / "seq" / c["file"]).read_bytes()))
    expected: dict[str, list] = {}
    for line in path.read_bytes().splitlines():  # each connection's users, in order, as to_import_user makes them
        conv = to_import_user(json.loads(line))
        if conv.importable:
            expected.setdefault(conv.connection, []).append(conv.user)
    assert written == expected


def test_error_in_second_half_names_its_line(tmp_path, monkeypatch):
    path = _file(tmp_path)
    lines = path.read_bytes().split(b"\n")
    lines[350] = b'{"email": '
    path.write_bytes(b"\n".join(lines))
    monkeypatch.setattr(parts, "PARALLEL_MIN_BYTES", 1)
    with pytest.raises(InputError) as exc:
        lint([path], LintOptions(config={}))
    assert exc.value.where == f"{path}:351"


emails = st.one_of(
    st.emails(),
    st.text(alphabet=st.sampled_from(list("ab.@-_ +é\"x1")), min_size=0, max_size=20),
    st.builds(lambda a, b: f"{a}@{b}", st.text(max_size=70), st.text(max_size=12)),
)


@settings(max_examples=300, deadline=None)
@given(email=emails)
def test_fast_schema_check_agrees_with_the_schema(email):
    """They agree but for an unusual top-level domain, which only the fast check rejects: it sends
    the user to the rules, where BE304 warns."""
    from bulkedit.lint.rules.email import tld_problem

    user = {"email": email}
    fast, full = fast_validator()(user), validator().is_valid(user)
    assert fast == full or (full and tld_problem(email) is not None)
