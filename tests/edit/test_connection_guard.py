"""A user's connection cannot change, whichever field carries it (issue 17, group 3).

A user's connection is what emit would import it into: `identities[0].connection`,
or a top-level `connection` when the first identity names none. edit (plan and
sheet, CSV and XLSX) refuses any change of it and diff counts one as forbidden.
A sheet row copied from an existing user and given another email is refused
under `--key email --allow-new`, naming the row and the user it was copied from.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from bulkedit.cli.app import main
from bulkedit.fields import user_connection

DB = "Username-Password-Authentication"


def _users() -> list[dict[str, Any]]:
    base = {"email_verified": True, "created_at": "2021-04-11T13:26:20.581Z", "app_metadata": {"plan": "free"}}
    return [
        # top-level connection only (an export made with `connection` among the fields)
        {"user_id": "auth0|top", "email": "top@example.com", "connection": DB, **base},
        # an identity that names no connection, and a top-level one
        {"user_id": "auth0|bare", "email": "bare@example.com", "connection": DB,
         "identities": [{"provider": "auth0", "user_id": "bare", "isSocial": False}], **base},
        # the usual export
        {"user_id": "auth0|ident", "email": "ident@example.com",
         "identities": [{"connection": DB, "provider": "auth0", "user_id": "ident", "isSocial": False}], **base},
        # both, agreeing
        {"user_id": "auth0|both", "email": "both@example.com", "connection": DB,
         "identities": [{"connection": DB, "provider": "auth0", "user_id": "both", "isSocial": False}], **base},
    ]


def _ndjson(path: Path, users: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(u) + "\n" for u in users), "utf-8")
    return path


PLAN_CASES = {
    "set-top-on-top": ("auth0|top", {"set": {"connection": "other-db"}}),
    "set-top-on-bare": ("auth0|bare", {"set": {"connection": "other-db"}}),
    "set-top-on-both": ("auth0|both", {"set": {"connection": "other-db"}}),
    "set-identity-on-bare": ("auth0|bare", {"set": {"identities[0].connection": "other-db"}}),
    "set-identity-on-ident": ("auth0|ident", {"set": {"identities[0].connection": "other-db"}}),
    "unset-top-on-top": ("auth0|top", {"unset": ["connection"]}),
    "unset-top-on-bare": ("auth0|bare", {"unset": ["connection"]}),
    "rename-top-on-top": ("auth0|top", {"rename": {"connection": "app_metadata.conn"}}),
    "template-top-on-top": ("auth0|top", {"template": {"connection": "{connection}-2"}}),
    "merge-identity-on-bare": ("auth0|bare", {"merge": {"identities[0]": {"connection": "other-db"}}}),
    "set-identities-on-top": ("auth0|top", {"set": {"identities": [{"connection": "other-db", "provider": "auth0", "user_id": "top"}]}}),
}


@pytest.mark.parametrize("case", sorted(PLAN_CASES))
def test_edit_plan_refuses_a_connection_change(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    uid, step = PLAN_CASES[case]
    src = _ndjson(tmp_path / "in.ndjson", _users())
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"edits": [{"where": {"user_id": uid}, **step}]}), "utf-8")
    out = tmp_path / "out.ndjson"
    rc = main(["edit", str(src), "--plan", str(plan), "-o", str(out)])
    text = capsys.readouterr()
    assert rc == 1, text.out + text.err
    assert "change-connection" in text.out and uid in text.out
    assert not out.exists()


@pytest.mark.parametrize("case", sorted(PLAN_CASES))
def test_diff_counts_a_connection_change_as_forbidden(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    uid, step = PLAN_CASES[case]
    users = _users()
    changed = json.loads(json.dumps(users))
    user = next(u for u in changed if u["user_id"] == uid)
    before = user_connection(user)
    kind, what = next(iter(step.items()))
    if kind == "set":
        for k, v in what.items():
            if k == "identities[0].connection":
                user["identities"][0]["connection"] = v
            else:
                user[k] = v
    elif kind == "unset":
        user.pop("connection")
    elif kind == "rename":
        user["app_metadata"]["conn"] = user.pop("connection")
    elif kind == "template":
        user["connection"] += "-2"
    elif kind == "merge":
        user["identities"][0]["connection"] = "other-db"
    assert user_connection(user) != before or kind == "set"
    backup, cand = _ndjson(tmp_path / "b.ndjson", users), _ndjson(tmp_path / "c.ndjson", changed)
    for fmt in ("text", "json"):
        rc = main(["diff", str(backup), str(cand), "--format", fmt])
        out = capsys.readouterr().out
        assert rc == 1, out
        assert "forbidden" in out.lower()


def _sheet_cell(book: Path, uid: str, column: str, value: str) -> None:
    """Type `value` into `column` of `uid`'s row of a CSV or XLSX sheet (a new column when it has none)."""
    if book.suffix == ".csv":
        rows = list(csv.reader(book.open(encoding="utf-8-sig", newline="")))
        head = rows[0]
        if column not in head:
            head.append(column)
            for r in rows[1:]:
                r.append("")
        i, u = head.index(column), head.index("user_id")
        for r in rows[1:]:
            if r[u] == uid:
                r[i] = value
        with book.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows(rows)
        return
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb.worksheets[0]
    head = [c.value for c in ws[1]]
    if column not in head:
        ws.cell(1, len(head) + 1, column)
        head.append(column)
    i, u = head.index(column) + 1, head.index("user_id") + 1
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, u).value == uid:
            ws.cell(row, i, value)
    wb.save(book)


SHEET_CASES = {
    "top-cell-on-top": ("auth0|top", "connection"),
    "top-cell-on-bare": ("auth0|bare", "connection"),
    "top-cell-on-both": ("auth0|both", "connection"),
    "identity-cell-on-bare": ("auth0|bare", "identities[0].connection"),
    "identity-cell-on-ident": ("auth0|ident", "identities[0].connection"),
    "identity-cell-on-top": ("auth0|top", "identities[0].connection"),
    "Connection-cell-on-top": ("auth0|top", "Connection"),
}


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
@pytest.mark.parametrize("case", sorted(SHEET_CASES))
def test_edit_sheet_refuses_a_connection_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, suffix: str) -> None:
    uid, column = SHEET_CASES[case]
    src = _ndjson(tmp_path / "in.ndjson", _users())
    book = tmp_path / f"users.{suffix}"
    assert main(["convert", str(src), "-o", str(book)]) == 0
    _sheet_cell(book, uid, column, "other-db")
    out = tmp_path / "out.ndjson"
    rc = main(["edit", str(src), "--sheet", str(book), "-o", str(out)])
    text = capsys.readouterr()
    assert rc == 1, text.out + text.err
    assert "connection" in (text.out + text.err)
    assert not out.exists()


# -- rows copied from an existing user --------------------------------------------------

def _copy_row(book: Path, uid: str, email: str, *, clear_user_id: bool) -> int:
    rows = list(csv.reader(book.open(encoding="utf-8-sig", newline="")))
    head = rows[0]
    src = next(r for r in rows[1:] if r[head.index("user_id")] == uid)
    copy = list(src)
    copy[head.index("email")] = email
    if clear_user_id:
        copy[head.index("user_id")] = ""
    rows.append(copy)
    with book.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    return len(rows)  # the copy's 1-based row number (the header is row 1)


@pytest.mark.parametrize("clear_user_id", [False, True], ids=["same-user_id", "user_id-emptied"])
@pytest.mark.parametrize("uid", ["auth0|ident", "auth0|both"])
def test_a_copied_row_is_not_a_second_user(tmp_path: Path, capsys: pytest.CaptureFixture[str], uid: str, clear_user_id: bool) -> None:
    src = _ndjson(tmp_path / "in.ndjson", _users())
    book = tmp_path / "users.csv"
    assert main(["convert", str(src), "-o", str(book)]) == 0
    row = _copy_row(book, uid, "copy@example.com", clear_user_id=clear_user_id)
    out = tmp_path / "out.ndjson"
    rc = main(["edit", str(src), "--sheet", str(book), "--key", "email", "--allow-new", "-o", str(out)])
    text = capsys.readouterr()
    msg = text.out + text.err
    assert rc == 1, msg
    assert f":{row}" in msg and uid in msg  # the row, and the user it was copied from
    assert not out.exists()


def test_a_really_new_row_is_still_added(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _ndjson(tmp_path / "in.ndjson", _users())
    book = tmp_path / "users.csv"
    assert main(["convert", str(src), "-o", str(book)]) == 0
    rows = list(csv.reader(book.open(encoding="utf-8-sig", newline="")))
    head = rows[0]
    new = [""] * len(head)
    new[head.index("email")] = "new@example.com"
    rows.append(new)
    with book.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    out = tmp_path / "out.ndjson"
    rc = main(["edit", str(src), "--sheet", str(book), "--key", "email", "--allow-new", "-o", str(out)])
    text = capsys.readouterr()
    assert rc == 0, text.out + text.err
    assert len(out.read_text("utf-8").splitlines()) == 5
