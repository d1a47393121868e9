"""Laws of the packer: every file within the limit, a valid JSON array, each user exactly once, in order."""

from __future__ import annotations

import json
import os
import stat
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkedit.emit.pack import ChunkWriter, Packer, UserTooLarge, array_size, encode_array, pack, safe_name
from bulkedit.io import jsonio

users_st = st.lists(
    st.fixed_dictionaries(
        {"email": st.emails()},
        optional={"user_metadata": st.dictionaries(st.text(max_size=8), st.text(max_size=40) | st.integers(), max_size=4)},
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(users=users_st, slack=st.integers(min_value=0, max_value=400))
def test_pack_laws(users, slack):
    items = [jsonio.dumps(dict(u, n=i)) for i, u in enumerate(users)]
    limit = 2 + max((len(i) for i in items), default=1) + slack
    chunks = [encode_array(c) for c in pack(items, limit)]
    seen = []
    for data in chunks:
        assert len(data) <= limit
        arr = json.loads(data)
        assert isinstance(arr, list) and arr
        seen.extend(u["n"] for u in arr)
    assert seen == list(range(len(users)))  # each user exactly once, in input order
    # tight (users joined by ',\n'): the first user of each chunk would not have fitted in the one before
    for prev, nxt in zip(chunks, chunks[1:], strict=False):
        first = json.loads(nxt)[0]
        assert len(prev) + 2 + len(jsonio.dumps(first)) > limit


def test_array_size_matches_encoding():
    items = [b'{"a":1}', b'{"b":22}', b"{}"]
    assert array_size(items) == len(encode_array(items))
    assert array_size([]) == len(encode_array([]))


def test_user_too_large_is_refused():
    with pytest.raises(UserTooLarge, match="more than a chunk"):
        list(pack([b'{"email":"a@b.co"}', b"x" * 100], 50))


def test_packer_rejects_silly_limit():
    with pytest.raises(ValueError):
        Packer(2)


@pytest.mark.parametrize(
    ("name", "safe"),
    [("Username-Password-Authentication", "Username-Password-Authentication"), ("my db/x", "my_db_x"), ("..", "_")],
)
def test_safe_name(name, safe):
    assert safe_name(name) == safe


def test_chunk_writer_layout_and_modes(tmp_path):
    w = ChunkWriter(tmp_path, max_bytes=50)
    w.add("db-a", b'{"email":"a@x.io","password_hash":"h"}', private=True)
    w.add("db b", b'{"email":"b@x.io"}')
    w.add("db-a", b'{"email":"c@x.io"}')
    w.add("db-a", b'{"email":"d@x.io"}')
    w.add("rollback", b'{"email":"e@x.io"}')
    chunks = w.close()
    files = [c.file for c in chunks]
    assert files == ["db-a/chunk-0001.json", "db-a/chunk-0002.json", "db_b/chunk-0001.json", "rollback-2/chunk-0001.json"]
    assert [c.users for c in chunks] == [1, 2, 1, 1]
    assert stat.S_IMODE(os.stat(tmp_path / files[0]).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / files[1]).st_mode) != 0o600
    for c in chunks:
        data = (tmp_path / c.file).read_bytes()
        assert len(data) == c.bytes <= 50


@settings(max_examples=120, deadline=None)
@given(
    users=users_st,
    slack=st.integers(min_value=0, max_value=400),
    cut=st.integers(min_value=0, max_value=60),
    secret_every=st.integers(min_value=0, max_value=7),
)
def test_spooled_users_pack_exactly_as_added_one_by_one(tmp_path_factory, users, slack, cut, secret_every):
    """A worker's spooled users, added after this process's own, give the chunks a single pass gives."""
    items = []
    for i, u in enumerate(users):
        u = dict(u, n=i)
        if secret_every and i % secret_every == 0:
            u["password_hash"] = "$2b$10$" + "a" * 53
        items.append(jsonio.dumps(u))
    conns = ["db-a" if i % 3 else "db-b" for i in range(len(items))]
    limit = 2 + max((len(i) for i in items), default=1) + slack
    cut = min(cut, len(items))
    root = tmp_path_factory.mktemp("spool")

    one = ChunkWriter(root / "one", limit)
    for conn, item in zip(conns, items):
        one.add(conn, item, private=b"password_hash" in item)
    expected = one.close()

    two = ChunkWriter(root / "two", limit)
    for conn, item in zip(conns[:cut], items[:cut]):
        two.add(conn, item, private=b"password_hash" in item)
    for conn in dict.fromkeys(conns[cut:]):
        mine = [item for c, item in zip(conns[cut:], items[cut:]) if c == conn]
        spool = root / f"{conn}.spool"
        spool.write_bytes(b"".join(item + b",\n" for item in mine))
        private = [i for i, item in enumerate(mine) if b"password_hash" in item]
        two.add_spooled(conn, str(spool), array("I", map(len, mine)), private)
    got = two.close()

    assert [(c.file, c.users, c.bytes, c.sha256, c.private) for c in got] == [
        (c.file, c.users, c.bytes, c.sha256, c.private) for c in expected
    ]
    for c in got:
        assert (root / "two" / c.file).read_bytes() == (root / "one" / c.file).read_bytes()


def test_spooled_chunk_of_one_secret_user_is_private(tmp_path):
    items = [jsonio.dumps({"email": f"u{i}@x.io", "pad": "x" * 200, **({"password_hash": "h"} if i == 1 else {})}) for i in range(3)]
    spool = tmp_path / "s.spool"
    spool.write_bytes(b"".join(item + b",\n" for item in items))
    writer = ChunkWriter(tmp_path / "out", max(map(len, items)) + 2)
    writer.add_spooled("db", str(spool), array("I", map(len, items)), [1])
    assert [(c.users, c.private) for c in writer.close()] == [(1, False), (1, True), (1, False)]
    assert stat.S_IMODE(os.stat(tmp_path / "out" / "db" / "chunk-0002.json").st_mode) == 0o600
