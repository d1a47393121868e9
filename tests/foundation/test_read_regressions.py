"""Reader regressions found by the re-audit (audit E): Auth0 escaping after a re-save, hand-made
JSON cells, Excel's short rows, workbooks whose users are not on the first sheet."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest

from bulkedit.cli.app import main
from bulkedit.io.read import open_source, read_users
from tests.foundation.conftest import FIXTURES, refused, write

# -- N1: Auth0's export stays escaped when a spreadsheet re-saved it or Auth0 quotes scalars ----


def _export_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(gzip.decompress((FIXTURES / "export.csv.gz").read_bytes()).decode("utf-8-sig"))))


def _csv_text(rows: list[list[str]], quoting: int = csv.QUOTE_MINIMAL) -> str:
    out = io.StringIO()
    csv.writer(out, quoting=quoting, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _resaved(rows: list[list[str]]) -> list[list[str]]:
    """What LibreOffice and Excel write back: quotes only where needed, TRUE/FALSE upper case."""
    return [[{"true": "TRUE", "false": "FALSE"}.get(c, c) for c in row] for row in rows]


def _excel_dates(rows: list[list[str]]) -> list[list[str]]:
    """Excel also rewrites ISO dates in its locale ("4/11/2021 13:26")."""
    def local(cell: str) -> str:
        if len(cell) > 19 and cell[4] == "-" and cell[10] == "T":
            y, m, d = cell[:10].split("-")
            return f"{int(m)}/{int(d)}/{y} {int(cell[11:13])}:{cell[14:16]}"
        return cell
    return [[local(c) for c in row] for row in rows]


@pytest.mark.parametrize(
    "variant",
    ["resaved", "excel-dates", "every-cell-quoted", "quoted-booleans"],
)
def test_auth0_export_is_still_escaped_after_a_resave_or_with_quoted_scalars(tmp_path: Path, variant: str) -> None:
    rows = _export_rows()
    reference = read_users(FIXTURES / "export.csv.gz")
    if variant == "resaved":
        text = _csv_text(_resaved(rows))
    elif variant == "excel-dates":
        text = _csv_text(_excel_dates(_resaved(rows)))
    elif variant == "every-cell-quoted":
        text = _csv_text(rows, csv.QUOTE_ALL)
    else:
        text = gzip.decompress((FIXTURES / "export.csv.gz").read_bytes()).decode("utf-8-sig")
        text = text.replace(",true,", ',"true",').replace(",false,", ',"false",')
    src = open_source(write(tmp_path / "auth0.csv", text))
    users = list(src.users())
    assert src.auth0_escaped
    assert all(not u["user_id"].startswith("'") and not u["email"].startswith("'") for u in users)
    if variant == "excel-dates":
        users = [{k: v for k, v in u.items() if k not in ("created_at", "last_login")} for u in users]
        reference = [{k: v for k, v in u.items() if k not in ("created_at", "last_login")} for u in reference]
    assert users == reference


def test_a_minimal_auth0_file_with_a_quoted_boolean_is_escaped(tmp_path: Path) -> None:
    p = write(tmp_path / "two.csv", '"email","email_verified","user_metadata.vip"\n"\'a@x.com","true",TRUE\n')
    assert read_users(p) == [{"email": "a@x.com", "email_verified": True, "user_metadata": {"vip": True}}]


def test_an_auth0_export_with_plain_columns_added_is_still_escaped(tmp_path: Path) -> None:
    # a person added three plain columns beside Auth0's three escaped ones: the id columns decide
    rows = ['"user_id","email","identities[0].connection",user_metadata.tier,user_metadata.team,user_metadata.region']
    rows += [f'"\'auth0|{i}","\'u{i}@x.com","\'db",gold,team{i},EMEA' for i in range(3)]
    src = open_source(write(tmp_path / "added.csv", "\n".join(rows) + "\n"))
    users = list(src.users())
    assert src.auth0_escaped
    assert users[0] == {"user_id": "auth0|0", "email": "u0@x.com", "identities": [{"connection": "db"}],
                        "user_metadata": {"tier": "gold", "team": "team0", "region": "EMEA"}}


def test_an_auth0_export_with_new_users_typed_below_is_still_escaped(tmp_path: Path) -> None:
    # new users typed in a spreadsheet carry no ': they must not outvote the exported ones
    rows = ['"user_id","email","given_name"']
    rows += [f'"\'auth0|{i}","\'u{i}@x.com","\'Ann"' for i in range(5)]
    rows += [f',new{i}@x.com,New' for i in range(3)]
    src = open_source(write(tmp_path / "grown.csv", "\n".join(rows) + "\n"))
    users = list(src.users())
    assert src.auth0_escaped
    assert users[0] == {"user_id": "auth0|0", "email": "u0@x.com", "given_name": "Ann"}
    assert users[-1] == {"email": "new2@x.com", "given_name": "New"}


@pytest.mark.parametrize(
    "text",
    [
        # the original finding: one quoted cell with a leading ' in a plain file
        "user_id,email,nickname\nauth0|1,a@x.com,\"'Bob', the Jr\"\nauth0|2,b@x.com,Ann\n",
        # a few such cells, also unquoted, among ordinary text
        "user_id,email,nickname\nauth0|1,a@x.com,'Bob\nauth0|2,b@x.com,'Al\nauth0|3,c@x.com,Ann\n",
    ],
)
def test_a_plain_csv_with_some_apostrophe_cells_is_not_escaped(tmp_path: Path, text: str) -> None:
    src = open_source(write(tmp_path / "pq.csv", text))
    users = list(src.users())
    assert not src.auth0_escaped
    assert users[0]["nickname"].startswith("'")


# -- N3: hand-made JSON list/object cells are not "written by bulkedit" ----------------------


def test_a_hand_made_csv_with_a_json_list_or_object_column_is_read_as_json(tmp_path: Path) -> None:
    roles = write(tmp_path / "c7.csv", 'email,email_verified,app_metadata.roles\nn@x.com,TRUE,"[""admin""]"\nm@x.com,false,[]\n')
    assert read_users(roles) == [
        {"email": "n@x.com", "email_verified": True, "app_metadata": {"roles": ["admin"]}},
        {"email": "m@x.com", "email_verified": False, "app_metadata": {"roles": []}},
    ]
    obj = write(tmp_path / "obj.csv", 'user_id,email,user_metadata\nauth0|1,a@x.com,"{""plan"": ""pro""}"\n')
    assert read_users(obj) == [{"user_id": "auth0|1", "email": "a@x.com", "user_metadata": {"plan": "pro"}}]
    assert main(["lint", str(roles)]) != 2


def test_a_column_with_text_among_json_like_cells_stays_text(tmp_path: Path) -> None:
    p = write(tmp_path / "t.csv", 'user_id,user_metadata.tags,nickname\nauth0|1,"[1, 2]",[x]\nauth0|2,x,{}\n')
    assert [u.get("user_metadata") for u in read_users(p)] == [{"tags": "[1, 2]"}, {"tags": "x"}]
    assert read_users(p)[1]["nickname"] == "{}"  # a known string field is never parsed


def test_a_hand_made_workbook_with_a_json_list_column_is_read(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["email", "app_metadata.roles"])
    wb.active.append(["n@x.com", '["admin"]'])
    wb.save(tmp_path / "hroles.xlsx")
    assert read_users(tmp_path / "hroles.xlsx") == [{"email": "n@x.com", "app_metadata": {"roles": ["admin"]}}]


def test_a_bulkedit_csv_without_sidecar_and_without_json_strings_reads_back_equal(tmp_path: Path) -> None:
    src = write(
        tmp_path / "u.ndjson",
        '{"user_id":"auth0|1","identities":[{"connection":"db"}],"app_metadata":{"roles":["a"],"n":1}}\n'
        '{"user_id":"auth0|2","identities":[{"connection":"x"}],"app_metadata":{"roles":[]}}\n',
    )
    assert main(["convert", str(src), "-o", str(tmp_path / "users.csv")]) == 0
    moved = (tmp_path / "users.csv").rename(tmp_path / "moved.csv")
    users = read_users(moved)
    assert [u["identities"] for u in users] == [[{"connection": "db"}], [{"connection": "x"}]]
    assert [u["app_metadata"]["roles"] for u in users] == [["a"], []]


def test_json_encoded_strings_are_still_evidence_of_a_bulkedit_sheet(tmp_path: Path) -> None:
    p = write(tmp_path / "s.csv", 'user_id,app_metadata.plan,app_metadata.roles\nauth0|1,0,"[""a""]"\nauth0|2,"""trial""",[]\n')
    message = refused(p)
    assert "s.csv.bulkedit.json" in message and "'\"trial\"'" in message and "looks like" in message


# -- risk: Excel leaves out the trailing commas of an empty last column -----------------------


def test_rows_missing_only_trailing_cells_read_them_as_empty(tmp_path: Path) -> None:
    text = "user_id,email,user_metadata.tier\nauth0|1,a@x.com\nauth0|2,b@x.com,gold\nauth0|3,c@x.com\r\nauth0|4\n"
    assert read_users(write(tmp_path / "rg.csv", text)) == [
        {"user_id": "auth0|1", "email": "a@x.com"},
        {"user_id": "auth0|2", "email": "b@x.com", "user_metadata": {"tier": "gold"}},
        {"user_id": "auth0|3", "email": "c@x.com"},
        {"user_id": "auth0|4"},
    ]


def test_a_short_last_row_without_a_line_end_is_refused_as_truncated(tmp_path: Path) -> None:
    message = refused(write(tmp_path / "f.csv", "user_id,email,name\nauth0|1,a@x.com,A\nauth0|2,b@x"))
    assert "f.csv:3:" in message and "truncated" in message and "column 'name'" in message
    out = tmp_path / "o.ndjson"
    assert main(["convert", str(tmp_path / "f.csv"), "-o", str(out)]) == 2 and not out.exists()


# -- N6: a workbook whose users are not on its first sheet, or that is empty ----------------


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


USERS_ROWS: list[list[object]] = [["user_id", "email"], ["auth0|1", "a@x.com"]]


@pytest.mark.parametrize(
    "sheets",
    [
        {"Sheet1": [], "Users": USERS_ROWS},  # users on sheet 2, sheet 1 empty
        {"Sheet1": [], "Data": USERS_ROWS},  # the first sheet with a header row
        {"Notes": [["read me first"]], "users": USERS_ROWS},  # a sheet named users wins
        {"users": [], "Data": USERS_ROWS},  # ... when it has a header row
    ],
)
def test_the_users_sheet_is_read_wherever_it_is(tmp_path: Path, sheets: dict[str, list[list[object]]]) -> None:
    path = _workbook(tmp_path / "w.xlsx", sheets)
    assert read_users(path) == [{"user_id": "auth0|1", "email": "a@x.com"}]
    gz = write(tmp_path / "w.xlsx.gz", path.read_bytes(), gz=True)
    assert read_users(gz) == [{"user_id": "auth0|1", "email": "a@x.com"}]


def test_an_empty_workbook_holds_no_users(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _workbook(tmp_path / "empty.xlsx", {"Sheet1": [], "Sheet2": []})
    assert "empty.xlsx holds no users" in refused(path)
    out = tmp_path / "o.ndjson"
    assert main(["convert", str(path), "-o", str(out)]) == 2 and not out.exists()
    assert "empty.xlsx holds no users" in capsys.readouterr().err


def test_a_workbook_of_zero_users_written_by_bulkedit_is_still_read(tmp_path: Path) -> None:
    src = write(tmp_path / "e.json", "[]")
    assert main(["convert", str(src), "-o", str(tmp_path / "e.xlsx")]) == 0
    assert read_users(tmp_path / "e.xlsx") == []


def test_the_openpyxl_fallback_picks_the_same_sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bulkedit.io import xlsxread

    def not_understood(self: object, path: object) -> None:
        raise xlsxread.XlsxError("not understood")

    monkeypatch.setattr(xlsxread.Workbook, "__init__", not_understood)
    path = _workbook(tmp_path / "w.xlsx", {"Sheet1": [], "Users": USERS_ROWS})
    assert read_users(path) == [{"user_id": "auth0|1", "email": "a@x.com"}]
    assert "holds no users" in refused(_workbook(tmp_path / "e.xlsx", {"Sheet1": []}))


def test_a_word_typed_into_a_json_column_points_to_edit_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "users.csv"
    assert main(["convert", str(FIXTURES / "export.json.gz"), "-o", str(sheet)]) == 0
    rows = list(csv.reader(io.StringIO(sheet.read_text(encoding="utf-8-sig"))))
    rows[1][rows[0].index("app_metadata.plan")] = "pro"  # a mixed-type (json) column
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    sheet.write_text(out.getvalue(), encoding="utf-8")
    capsys.readouterr()
    assert main(["lint", str(sheet)]) == 2
    err = capsys.readouterr().err
    assert "users.csv:2" in err and "--sheet SHEET" in err
