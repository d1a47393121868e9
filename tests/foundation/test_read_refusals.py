"""Files the readers refuse instead of reading them as odd users (audit findings on "Files it reads")."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import openpyxl
import pytest

from bulkedit.cli.app import main
from bulkedit.io.read import open_source, read_users
from tests.foundation.conftest import refused, write

# -- a bulkedit sheet without its type record -------------------------------------------


def _bulkedit_csv(tmp_path: Path) -> Path:
    src = write(
        tmp_path / "u.ndjson",
        '{"user_id":"auth0|1","email":"a@x.com","app_metadata":{"plan":0}}\n'
        '{"user_id":"auth0|2","email":"b@x.com","app_metadata":{"plan":"trial"}}\n',
    )
    assert main(["convert", str(src), "-o", str(tmp_path / "users.csv")]) == 0
    return tmp_path / "users.csv"


def test_a_bulkedit_csv_without_its_sidecar_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = _bulkedit_csv(tmp_path)
    assert read_users(csv_path)[1]["app_metadata"] == {"plan": "trial"}
    renamed = csv_path.rename(tmp_path / "edited.csv")
    message = refused(renamed)
    assert "edited.csv.bulkedit.json" in message and "'\"trial\"'" in message and "app_metadata.plan" in message
    assert main(["convert", str(renamed), "-o", str(tmp_path / "back.ndjson")]) == 2
    assert not (tmp_path / "back.ndjson").exists()
    shutil.copyfile(tmp_path / "users.csv.bulkedit.json", tmp_path / "edited.csv.bulkedit.json")
    assert read_users(renamed)[1]["app_metadata"] == {"plan": "trial"}


def test_a_bulkedit_xlsx_without_its_type_sheet_is_refused(tmp_path: Path) -> None:
    src = write(
        tmp_path / "u.ndjson",
        '{"user_id":"auth0|1","email":"a@x.com","identities":[{"connection":"db"}],"app_metadata":{"plan":0}}\n'
        '{"user_id":"auth0|2","email":"b@x.com","identities":[{"connection":"db"}],"app_metadata":{"plan":"pro"}}\n',
    )
    assert main(["convert", str(src), "-o", str(tmp_path / "u.xlsx")]) == 0
    wb = openpyxl.load_workbook(tmp_path / "u.xlsx")
    del wb["_bulkedit"]
    wb.save(tmp_path / "plain.xlsx")
    assert "hidden type sheet '_bulkedit' is gone" in refused(tmp_path / "plain.xlsx")
    # without a JSON-encoded string there is nothing to misread: identities come back as lists
    ws = wb["users"]
    ws.delete_cols(next(c.column for c in ws[1] if c.value == "app_metadata.plan"))
    wb.save(tmp_path / "lists.xlsx")
    assert [u["identities"] for u in read_users(tmp_path / "lists.xlsx")] == [[{"connection": "db"}]] * 2


def test_a_plain_csv_with_a_quoted_word_or_json_like_text_is_read(tmp_path: Path) -> None:
    # a column is bulkedit's only when every cell in it is JSON as bulkedit writes it
    text = 'user_id,nickname,user_metadata.tags\nauth0|1,"""Bob""","[1, 2]"\nauth0|2,Ann,x\n'
    assert read_users(write(tmp_path / "p.csv", text))[0] == {
        "user_id": "auth0|1", "nickname": '"Bob"', "user_metadata": {"tags": "[1, 2]"},
    }


def test_a_stale_sidecar_is_named_as_such(tmp_path: Path) -> None:
    csv_path = _bulkedit_csv(tmp_path)
    csv_path.write_text("user_id,email,name\nauth0|1,a@x.com,Ann\n", encoding="utf-8")  # another file, same name
    message = refused(csv_path)
    assert "users.csv.bulkedit.json does not belong to this file" in message and "'app_metadata.plan'" in message
    escaped = '"user_id","email","app_metadata.plan"\n"\'auth0|1","\'a@x.com","\'trial"\n'
    csv_path.write_text(escaped, encoding="utf-8")  # Auth0's export under the sheet's name
    assert "Auth0's escaped CSV export" in refused(csv_path)


def test_an_edited_sheet_with_its_sidecar_still_reads(tmp_path: Path) -> None:
    csv_path = _bulkedit_csv(tmp_path)
    lines = csv_path.read_text("utf-8-sig").splitlines()
    # a person added a column: the sidecar still belongs to the file
    csv_path.write_text("\n".join([lines[0] + ",nickname"] + [ln + ",nick" for ln in lines[1:]]) + "\n", encoding="utf-8")
    assert read_users(csv_path)[1] == {"user_id": "auth0|2", "email": "b@x.com", "app_metadata": {"plan": "trial"}, "nickname": "nick"}


# -- content that is not a user file ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expect"),
    [
        ("expired.json.gz", '<?xml version="1.0"?>\n<Error><Code>AccessDenied</Code></Error>', "HTML or XML document"),
        ("page.json", "<html><body>Not found</body></html>\n", "HTML or XML document"),
        ("notes.txt", "just some notes\nabout users\n", "not a user file: no column"),
        ("users.yaml", "users:\n  - email: a@x.com\n", "not a user file: no column"),
        ("scalar.json", "42\n", "a single JSON number 42"),
        ("s.json", '"hello"', "a single JSON string"),
        ("report.json", '{\n  "users": 3,\n  "changed": []\n}\n', "the whole file is one JSON object over 4 lines"),
        ("wrapped.json", '{"users":[{"email":"a@x.com"}]}\n', "the first JSON object has no Auth0 user field"),
        ("wrapped2.json", '[{"rows":1}]', "the first JSON object has no Auth0 user field"),
    ],
)
def test_what_is_not_a_user_file_is_refused(tmp_path: Path, name: str, content: str, expect: str) -> None:
    assert expect in refused(write(tmp_path / name, content))


def test_a_sidecar_is_named_when_read_as_users(tmp_path: Path) -> None:
    _bulkedit_csv(tmp_path)
    assert "a bulkedit type sidecar" in refused(tmp_path / "users.csv.bulkedit.json")


def test_a_workbook_whose_first_sheet_is_not_users_is_refused(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["this sheet is notes"])
    wb.create_sheet("Sheet2").append(["user_id", "email"])  # (a sheet named users would be read)
    wb.save(tmp_path / "multi.xlsx")
    assert "not a user file" in refused(tmp_path / "multi.xlsx")


def test_a_header_only_csv_of_auth0_columns_is_zero_users(tmp_path: Path) -> None:
    assert read_users(write(tmp_path / "h.csv", "Id,Email\n")) == []
    assert read_users(write(tmp_path / "h.json.gz", "[]", gz=True)) == []


# -- two keys of one user filling one field -------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "keys"),
    [
        ("a.ndjson", '{"user_id":"auth0|2","name":"lower","Name":"Upper"}\n', "keys 'name' and 'Name'"),
        ("b.json", '[{"user_id":"auth0|3","user_metadata":{"plan":"x"},"user_metadata.plan":"y"}]', "keys 'user_metadata' and 'user_metadata.plan'"),
        ("c.ndjson", '{"user_id":"auth0|3","user_metadata.plan":"y","user_metadata":{"plan":"x"}}\n', "keys 'user_metadata.plan' and 'user_metadata'"),
    ],
)
def test_two_keys_filling_one_field_are_refused(tmp_path: Path, name: str, content: str, keys: str) -> None:
    message = refused(write(tmp_path / name, content))
    assert keys in message and "both fill the field" in message and f"{name}:1:" in message


def test_keys_filling_different_parts_of_an_object_merge(tmp_path: Path) -> None:
    p = write(tmp_path / "m.ndjson", '{"user_id":"auth0|3","user_metadata.plan":"y","user_metadata":{"zip":"1"}}\n')
    assert read_users(p) == [{"user_id": "auth0|3", "user_metadata": {"plan": "y", "zip": "1"}}]


# -- --map ------------------------------------------------------------------------------


def test_map_keys_match_like_the_built_in_renames(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = write(tmp_path / "m.csv", "Id,Email,Zip Code\nauth0|1,a@x.com,02134\n")
    assert read_users(p, column_map={"zip  CODE": "user_metadata.zip"}) == [
        {"user_id": "auth0|1", "email": "a@x.com", "user_metadata": {"zip": "02134"}}
    ]
    assert "warning" not in capsys.readouterr().err
    j = write(tmp_path / "m.ndjson", '{"user_id":"auth0|1","zip code":"02134"}\n')
    assert read_users(j, column_map={"Zip Code": "user_metadata.zip"}) == [{"user_id": "auth0|1", "user_metadata": {"zip": "02134"}}]


@pytest.mark.parametrize("name", ["m.csv", "m.ndjson", "m.json"])
def test_a_map_entry_matching_nothing_is_warned_about(tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    content = {
        "m.csv": "user_id,Zip Code\nauth0|1,02134\n",
        "m.ndjson": '{"user_id":"auth0|1","Zip Code":"02134"}\n',
        "m.json": '[{"user_id":"auth0|1","Zip Code":"02134"}]',
    }[name]
    read_users(write(tmp_path / name, content), column_map={"Zipcodes": "user_metadata.zip", "zip code": "user_metadata.zip"})
    err = capsys.readouterr().err
    assert "--map entry 'Zipcodes' matched no" in err and "'zip code'" not in err


# -- Auth0 escaping ---------------------------------------------------------------------


def test_one_quoted_apostrophe_does_not_make_a_csv_auth0_escaped(tmp_path: Path) -> None:
    p = write(tmp_path / "pq.csv", "user_id,email,nickname\nauth0|1,a@x.com,\"'Bob', the Jr\"\nauth0|2,b@x.com,Ann\n")
    src = open_source(p)
    assert [u["nickname"] for u in src.users()] == ["'Bob', the Jr", "Ann"]
    assert not src.auth0_escaped


def test_auth0_escaping_is_still_recognised(tmp_path: Path) -> None:
    quoted = '"user_id","logins_count","created_at"\n"\'auth0|1",5,2022-04-26T00:07:05.098Z\n'
    resaved = "user_id,logins_count,created_at\n'auth0|1,5,2022-04-26T00:07:05.098Z\n"  # after a spreadsheet
    for name, text in [("q.csv", quoted), ("r.csv", resaved)]:
        src = open_source(write(tmp_path / name, text))
        assert list(src.users()) == [{"user_id": "auth0|1", "logins_count": 5, "created_at": "2022-04-26T00:07:05.098Z"}]
        assert src.auth0_escaped


# -- cells without a column, rows without their cells -----------------------------------


def test_a_value_under_an_empty_header_is_refused(tmp_path: Path) -> None:
    message = refused(write(tmp_path / "e.csv", "user_id,,email\nauth0|1,,a@x.com\nauth0|2,stray,b@x.com\n"))
    assert "e.csv:3:" in message and "column 2 has no header" in message and "'stray'" in message
    # an empty trailing header column without values is fine
    assert read_users(write(tmp_path / "t.csv", "user_id,email,\nauth0|1,a@x.com,\n")) == [{"user_id": "auth0|1", "email": "a@x.com"}]


def test_a_value_in_an_xlsx_column_without_header_is_refused(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["user_id", None, "email"])
    ws.append(["auth0|1", None, "a@x.com"])
    ws.append(["auth0|2", "stray", "b@x.com"])
    ws.append(["auth0|3", None, "c@x.com", "beyond"])
    wb.save(tmp_path / "h.xlsx")
    message = refused(tmp_path / "h.xlsx")
    assert "h.xlsx:3:" in message and "column B has no header" in message


def test_a_short_last_row_of_a_cut_off_file_is_refused(tmp_path: Path) -> None:
    # (a short row that ends with a line break is read with empty cells: Excel writes such rows)
    message = refused(write(tmp_path / "f.csv", "user_id,email,name\nauth0|1,a@x.com,A\nauth0|2"))
    assert "f.csv:3:" in message and "column 'email'" in message


# -- invalid UTF-8 is placed by line ------------------------------------------------------


def test_invalid_utf8_is_named_by_line(tmp_path: Path) -> None:
    arr = write(tmp_path / "a.json", b'[\n {"email": "a@x.com"},\n {"email": "b\xff@x.com"}\n]\n')
    assert "a.json:3: invalid UTF-8 on line 3" in refused(arr)
    csv_path = write(tmp_path / "c.csv", b"email,name\na@x.com,A\nb@x.com,M\xfcller\n")
    assert "c.csv:3: not UTF-8 text (line 3)" in refused(csv_path)
    far = write(tmp_path / "far.csv.gz", b"email,name\n" + b"a@x.com,A\n" * 20000 + b"b@x.com,M\xfcller\n", gz=True)
    assert "far.csv.gz:20002: not UTF-8 text (line 20002)" in refused(far)
    assert gzip.decompress(far.read_bytes()).count(b"\n") == 20002


# -- XLSX without type information types Auth0's fields like the CSV reader ---------------


def test_untyped_xlsx_types_known_fields_like_csv(tmp_path: Path) -> None:
    from datetime import datetime

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Id", "Username", "Name", "phone_number", "Email Verified", "Logins Count", "Created At", "user_metadata.seats"])
    ws.append([12345, 42, 2024, 15551234567, True, 7.0, datetime(2022, 4, 26, 0, 7, 5, 98000), 3])
    wb.save(tmp_path / "n.xlsx")
    assert read_users(tmp_path / "n.xlsx") == [
        {"user_id": "12345", "username": "42", "name": "2024", "phone_number": "15551234567", "email_verified": True,
         "logins_count": 7, "created_at": "2022-04-26T00:07:05.098Z", "user_metadata": {"seats": 3}}
    ]
    csv_path = write(tmp_path / "n.csv", "Id,Username,Name,phone_number,Email Verified,Logins Count\n12345,42,2024,15551234567,true,7\n")
    assert read_users(csv_path)[0] == {k: v for k, v in read_users(tmp_path / "n.xlsx")[0].items() if k in read_users(csv_path)[0]}
