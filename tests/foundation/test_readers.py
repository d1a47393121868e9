"""One test group per reader: NDJSON, JSON array, CSV (Auth0-escaped, plain, TSV), XLSX."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkedit.errors import InputError
from bulkedit.io.read import jsonarray, open_source, read_users, stream
from tests.foundation.conftest import write


def reference_users(fixtures: Path) -> list[dict]:
    return [json.loads(line) for line in gzip.decompress((fixtures / "export.json.gz").read_bytes()).splitlines()]


# -- NDJSON ---------------------------------------------------------------------------


def test_fixture_export_is_read_exactly(fixtures: Path) -> None:
    src = open_source(fixtures / "export.json.gz")
    assert (src.format, src.compressed) == ("ndjson", True)
    users = list(src.users())
    assert users == reference_users(fixtures)
    assert len(users) == 52
    # key order survives
    assert [list(u) for u in users] == [list(u) for u in reference_users(fixtures)]


def test_ndjson_bom_crlf_blank_lines_and_raw(tmp_path: Path) -> None:
    p = write(tmp_path / "a.ndjson", b'\xef\xbb\xbf{"email":"a@x.com"}\r\n\r\n  \n{"email":"b@x.com","n":null}')
    recs = list(open_source(p).records())
    assert [r.pos for r in recs] == [1, 4]
    assert [r.user for r in recs] == [{"email": "a@x.com"}, {"email": "b@x.com", "n": None}]
    assert recs[0].raw == b'{"email":"a@x.com"}'


def test_ndjson_big_ints_across_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "BLOCK", 64)
    lines = [json.dumps({"email": f"u{i}@x.com", "app_metadata": {"n": 2**70 + i, "f": 0.5}}) for i in range(40)]
    p = write(tmp_path / "big.ndjson", "\n".join(lines) + "\n")
    users = read_users(p)
    assert [u["app_metadata"]["n"] for u in users] == [2**70 + i for i in range(40)]
    assert all(type(u["app_metadata"]["n"]) is int for u in users)


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (b'{"email":"a@x.com"}\n{"email": "b@x.com",,}\n', ":2: malformed JSON at column 21"),
        (b'{"email":"a@x.com"}\n["not", "a user"]\n', ":2: expected a JSON object"),
        (b'{"email":"a@x.com"}\n{"email":"\xff"}\n', ":2: invalid UTF-8"),
        (b'{"email":"a@x.com"}\n{"email":"trunc', ":2: malformed JSON"),
    ],
)
def test_ndjson_errors_name_line_and_column(tmp_path: Path, content: bytes, expect: str) -> None:
    p = write(tmp_path / "bad.ndjson", content)
    with pytest.raises(InputError) as info:
        read_users(p)
    assert expect in info.value.render()
    assert info.value.hint


def test_truncated_gzip_is_a_clear_error(tmp_path: Path, fixtures: Path) -> None:
    data = (fixtures / "export.json.gz").read_bytes()
    p = write(tmp_path / "cut.json.gz", data[: len(data) // 2])
    with pytest.raises(InputError) as info:
        read_users(p)
    assert "truncated" in info.value.render() or "damaged" in info.value.render()


# -- JSON array -----------------------------------------------------------------------


def test_json_array_fixture_equals_ndjson(fixtures: Path) -> None:
    src = open_source(fixtures / "export.json")
    assert src.format == "json"
    assert list(src.users()) == reference_users(fixtures)


def test_json_array_streams_across_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "BLOCK", 50)
    users = [{"email": f"u{i}@x.com", "user_metadata": {"note": "line\nbreak ✓", "n": 2**65}} for i in range(30)]
    p = write(tmp_path / "arr.json", json.dumps(users, indent=2, ensure_ascii=False))
    recs = list(open_source(p).records())
    assert [r.user for r in recs] == users
    text = p.read_text()
    # each record's pos is the line its object starts on
    starts = [i + 1 for i, line in enumerate(text.splitlines()) if line == "  {"]
    assert [r.pos for r in recs] == starts


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        ('[\n{"email":"a@x.com"},\n{"email": }\n]', ":3: malformed JSON"),
        ('[{"email":"a@x.com"} {"email":"b@x.com"}]', "expected ',' or ']'"),
        ('[{"email":"a@x.com"},\n 5]', ":2: element 1 is a number"),
        ('[{"email":"a@x.com"}', "not closed"),
        ('[{"email":"a@x.com"}]\n{"x":1}', ":2: unexpected content after"),
        # one user a line (the quick path) until the damage, then the general reader names it
        ('[{"email":"a@x.com"},\n{"email":"b@x.com"},\n]', ":3: malformed JSON"),
        ('[{"email":"a@x.com"},\n{"email":"b@x.com"}\n{"email":"c@x.com"}]', ":3: expected ',' or ']' after element 2"),
        ('[{"email":"a@x.com"},\n{"email":"b@x.com"},\n', ":3: the JSON array is not closed"),
    ],
)
def test_json_array_errors(tmp_path: Path, content: str, expect: str) -> None:
    p = write(tmp_path / "bad.json", content)
    with pytest.raises(InputError) as info:
        read_users(p)
    assert expect in info.value.render()


def test_empty_array_and_empty_file(tmp_path: Path) -> None:
    assert read_users(write(tmp_path / "e.json", "[ ]\n")) == []
    assert read_users(write(tmp_path / "h.csv", "user_id,email\r\n")) == []  # header of Auth0 fields: 0 users
    # zero users as bulkedit writes them: an NDJSON file (named so) or a complete gzip stream with nothing in it
    for name, content, gz in [("e.ndjson", "", False), ("w.ndjson", " \n\r\n\t", False), ("e.jsonl", "", False), ("e.ndjson.gz", "", True), ("e.json.gz", "\n", True)]:
        assert read_users(write(tmp_path / name, content, gz=gz)) == []
    # an empty or blank file of any other name is a failed download
    for name, content in [("e.json", ""), ("w.json", " \n\r\n\t"), ("e.csv", ""), ("export", "\n")]:
        with pytest.raises(InputError, match="holds no users"):
            read_users(write(tmp_path / name, content))


# -- CSV ------------------------------------------------------------------------------


def test_auth0_escaped_csv(fixtures: Path) -> None:
    src = open_source(fixtures / "export.csv.gz")
    users = list(src.users())
    ref = reference_users(fixtures)
    assert src.auth0_escaped and src.format == "csv" and src.compressed
    assert len(users) == 52
    for got, want in zip(users, ref):
        assert got["user_id"] == want["user_id"]  # leading ' removed
        assert got["family_name"] == want["family_name"]  # "" doubled quotes undone (O'Neil, "Doc" Brown)
        assert got["email_verified"] is want["email_verified"]
        assert got["logins_count"] == want["logins_count"]
        assert got["created_at"] == want["created_at"]  # unquoted ISO date
        assert got["identities"] == [{"connection": want["identities"][0]["connection"]}]
        zip_code = want.get("user_metadata", {}).get("address", {}).get("zip")
        if zip_code is not None:
            assert got["user_metadata"]["address"]["zip"] == zip_code  # leading zeros kept


def test_escaped_csv_quotes_and_types(tmp_path: Path) -> None:
    text = (
        '"user_id","email","given_name","email_verified","logins_count","user_metadata.code"\n'
        '"\'auth0|1","\'a@x.com","\'O""Neil",true,5,"\'007"\n'
        '"\'auth0|2","\'b@x.com","\'\'quoted",false,,\n'
    )
    users = read_users(write(tmp_path / "e.csv", text))
    assert users[0] == {
        "user_id": "auth0|1", "email": "a@x.com", "given_name": 'O"Neil', "email_verified": True,
        "logins_count": 5, "user_metadata": {"code": "007"},
    }
    assert users[1] == {"user_id": "auth0|2", "email": "b@x.com", "given_name": "'quoted", "email_verified": False}


@pytest.mark.parametrize("name", ["export-dashboard.csv", "export-extension.tsv"])
def test_dashboard_renamed_columns(fixtures: Path, name: str) -> None:
    src = open_source(fixtures / name)
    users = list(src.users())
    ref = reference_users(fixtures)
    assert src.renamed["Family Name"] == "family_name"
    assert src.renamed["Connection"] == "identities[0].connection"
    assert src.delimiter == ("\t" if name.endswith("tsv") else ",")
    for got, want in zip(users, ref):
        assert got["user_id"] == want["user_id"]
        assert got["email_verified"] is want["email_verified"]  # known boolean field typed
        assert got["family_name"] == want["family_name"]
        assert got["identities"][0]["connection"] == want["identities"][0]["connection"]


def test_plain_csv_keeps_text_and_leading_zeros(tmp_path: Path) -> None:
    p = write(tmp_path / "p.csv", "email,user_metadata.zip,Logins Count,phone\na@x.com,02134,7,+4912345\n")
    assert read_users(p) == [{"email": "a@x.com", "user_metadata": {"zip": "02134"}, "logins_count": 7, "phone": "+4912345"}]


def test_column_map_overrides(tmp_path: Path) -> None:
    p = write(tmp_path / "m.csv", "Mail,Zip Code\na@x.com,02134\n")
    users = read_users(p, column_map={"Mail": "email", "Zip Code": "user_metadata.zip"})
    assert users == [{"email": "a@x.com", "user_metadata": {"zip": "02134"}}]


def test_csv_row_errors(tmp_path: Path) -> None:
    p = write(tmp_path / "r.csv", 'email,name\na@x.com,A\nb@x.com,B,extra\n')
    with pytest.raises(InputError) as info:
        read_users(p)
    assert ":3:" in info.value.render()
    p2 = write(tmp_path / "latin.csv", "email,name\na@x.com,M\xfcller\n".encode("latin-1"))
    with pytest.raises(InputError) as info2:
        read_users(p2)
    assert "UTF-8" in info2.value.render()


def test_duplicate_target_columns_refused(tmp_path: Path) -> None:
    p = write(tmp_path / "d.csv", "Email,email\na@x.com,b@x.com\n")
    with pytest.raises(InputError) as info:
        read_users(p)
    assert "both fill the field" in info.value.render()


# -- JSON with renamed or dotted keys ----------------------------------------------------


def test_json_keys_renamed_and_dotted(tmp_path: Path) -> None:
    p = write(tmp_path / "r.ndjson", '{"Id":"auth0|1","Email":"a@x.com","user_metadata.plan":"pro","Connection":"db"}\n')
    src = open_source(p)
    assert list(src.users()) == [
        {"user_id": "auth0|1", "email": "a@x.com", "user_metadata": {"plan": "pro"}, "identities": [{"connection": "db"}]}
    ]
    assert src.renamed == {"Id": "user_id", "Email": "email", "user_metadata.plan": "user_metadata.plan", "Connection": "identities[0].connection"}


# -- XLSX and detection --------------------------------------------------------------


def test_fake_xlsx_is_refused(tmp_path: Path) -> None:
    p = write(tmp_path / "users.xlsx", "email\na@x.com\n")
    with pytest.raises(InputError) as info:
        open_source(p)
    assert "not an XLSX workbook" in info.value.render()


def test_broken_zip_xlsx(tmp_path: Path) -> None:
    p = write(tmp_path / "users.xlsx", b"PK\x03\x04garbage")
    with pytest.raises(InputError) as info:
        read_users(p)
    assert "XLSX" in info.value.render()


def test_plain_xlsx_without_type_information(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Email", "Email Verified", "user_metadata.zip", "user_metadata.seats"])
    ws.append(["a@x.com", True, "02134", 3])
    wb.save(tmp_path / "plain.xlsx")
    assert read_users(tmp_path / "plain.xlsx") == [
        {"email": "a@x.com", "email_verified": True, "user_metadata": {"zip": "02134", "seats": 3}}
    ]


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        open_source(tmp_path / "nope.json")
    with pytest.raises(InputError, match="folder"):
        open_source(tmp_path)


def test_binary_file_is_unknown_format(tmp_path: Path) -> None:
    p = write(tmp_path / "x.bin", b"\x00\x01\x02binary")
    with pytest.raises(InputError, match="unknown format"):
        open_source(p)


@settings(max_examples=200, deadline=None)
@given(
    data=st.lists(st.sampled_from([b"", b"{}", b'{"a":1}', b"x" * 7, b"\r", b"\xef\xbb\xbf{}"]), max_size=12),
    final_newline=st.booleans(),
    block=st.integers(min_value=1, max_value=9),
    remaining=st.none() | st.integers(min_value=0, max_value=80),
)
def test_ndjson_lines_are_the_lines_of_the_stream(data: list[bytes], final_newline: bool, block: int, remaining: int | None) -> None:
    """Whatever the block size, the lists hold every line in order (blank ones too), split at `\\n` only."""
    content = b"\n".join(data) + (b"\n" if final_newline and data else b"")
    stream_block = stream.BLOCK
    stream.BLOCK = block
    try:
        got = [line for lines in stream.ndjson_lines(io.BytesIO(content), remaining, strip_bom=False) for line in lines]
    finally:
        stream.BLOCK = stream_block
    seen = content if remaining is None else content[:remaining]
    expected = seen.split(b"\n")
    if expected[-1] == b"":
        expected.pop()
    assert got == expected


_user = st.fixed_dictionaries(
    {"email": st.sampled_from(["a@x.io", "b@x.io", "Zoë@x.io"])},
    optional={"n": st.integers(min_value=-(10**25), max_value=10**25), "m": st.dictionaries(st.sampled_from("ab,]["), st.text(",] [{", max_size=3), max_size=2)},
)
_junk = st.sampled_from(["", " ", "5", "]", ",", "{", '{"x":1}', "[", '"s"'])


@settings(max_examples=300, deadline=None)
@given(
    users=st.lists(_user, max_size=6),
    layout=st.sampled_from(["lines", "lines-close-alone", "pretty", "two-a-line", "leading-comma", "compact", "two-first"]),
    bom=st.booleans(),
    crlf=st.booleans(),
    junk=st.none() | st.tuples(st.integers(min_value=0, max_value=400), _junk),
    lead=st.sampled_from(["", "\n", "\n\n  ", " "]),
)
def test_json_array_quick_path_reads_what_the_general_reader_reads(tmp_path_factory, users, layout, bom, crlf, junk, lead) -> None:
    """Same users, raw forms aside, at the same lines, and the same error, for any layout and damage."""
    parts = [json.dumps(u, ensure_ascii=False, separators=(",", ":") if layout == "compact" else None) for u in users]
    if layout == "lines":
        text = "[" + ",\n".join(parts) + "]"
    elif layout == "lines-close-alone":
        text = "[\n" + ",\n".join(parts) + "\n]\n"
    elif layout == "pretty":
        text = json.dumps(users, ensure_ascii=False, indent=2)
    elif layout == "two-a-line":
        text = "[\n" + ",\n".join(", ".join(parts[i : i + 2]) for i in range(0, len(parts), 2)) + "\n]"
    elif layout == "leading-comma":
        text = "[ " + "\n, ".join(parts) + "\n]"
    elif layout == "two-first":
        text = "[" + ", ".join(parts[:2]) + (",\n" + ",\n".join(parts[2:]) if parts[2:] else "") + "]"
    else:
        text = "[" + ",".join(parts) + "]"
    if junk is not None:
        at = min(junk[0], len(text))
        text = text[:at] + junk[1] + text[at:]
    text = lead + text
    if crlf:
        text = text.replace("\n", "\r\n")
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode()
    path = tmp_path_factory.mktemp("arr") / "users.json"
    path.write_bytes(data)

    def read(reader: str) -> tuple[list[tuple[int, dict]], str | None]:
        src = open_source(path)
        got: list[tuple[int, dict]] = []
        try:
            records = src.records() if reader == "quick" else src._json_array_general()
            for rec in records:
                got.append((rec.pos, rec.user))
                if rec.raw is not None:
                    assert json.loads(rec.raw) == rec.user
        except InputError as exc:
            return got, exc.render()
        return got, None

    if open_source(path).format != "json":
        return  # not taken for an array: detection decides, not this reader
    assert read("quick") == read("general")


def test_no_line_ends_is_not_held_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An NDJSON 'line' longer than the limit is an error naming it; a one-line JSON array is read element by element."""
    monkeypatch.setattr(stream, "BLOCK", 64)
    monkeypatch.setattr(stream, "MAX_LINE", 1000)
    monkeypatch.setattr(jsonarray, "MAX_ELEMENT", 1000)
    users = [{"email": f"u{i}@x.io", "name": "x" * 20} for i in range(200)]
    nd = write(tmp_path / "u.ndjson", json.dumps(users[0]) + "\n" + json.dumps(users[1]) + "\r" + "\r".join(json.dumps(u) for u in users[2:]))
    with pytest.raises(InputError) as info:
        read_users(nd)
    assert "u.ndjson:2:" in info.value.render() and "no line end" in info.value.render()
    arr = write(tmp_path / "u.json", json.dumps(users))  # one line of about 9 KB
    assert read_users(arr) == users
    with pytest.raises(stream.LineTooLong):
        list(stream.ndjson_lines(io.BytesIO(b"x" * 5000), max_line=1000))


def test_gzip_json_array_switching_layout_midway(tmp_path: Path) -> None:
    """One user a line, then a user spread over lines: the general reader takes over inside the gzip stream."""
    users = [{"email": f"u{i}@x.io", "user_metadata": {"a": [1, 2]}} for i in range(5)]
    text = "[" + json.dumps(users[0]) + ",\n" + json.dumps(users[1]) + ",\n" + json.dumps(users[2], indent=2)
    text += ",\n" + ",\n".join(json.dumps(u) for u in users[3:]) + "]\n"
    path = tmp_path / "mixed.json.gz"
    path.write_bytes(gzip.compress(text.encode()))
    records = list(open_source(path).records())
    assert [r.user for r in records] == users
    assert [r.pos for r in records] == [1, 2, 3, 12, 13]  # the indented user takes lines 3-11
    assert [r.raw is not None for r in records] == [True, True, False, False, False]


def test_a_number_beyond_a_double_is_refused_in_any_layout(tmp_path: Path) -> None:
    """Read as infinity it would be written back as null; every reader refuses it the same way."""
    for name, text in [
        ("u.ndjson", '{"email":"a@x.io","n":1e400}\n'),
        ("lines.json", '[{"email":"a@x.io","n":1e400}]\n'),
        ("pretty.json", '[\n  {\n    "email": "a@x.io",\n    "n": 1e400\n  }\n]\n'),
    ]:
        with pytest.raises(InputError) as info:
            read_users(write(tmp_path / name, text))
        assert "too large for a double" in info.value.render(), name
