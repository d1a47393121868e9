"""Rows of a CSV sheet that are no backup user's: new users that cannot be imported, blank rows, changed keys."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from sheet_helpers import apply_sheet, make_sheet, write_ndjson

from bulkedit.cli.app import main
from bulkedit.errors import RefusedError

CONN = "Username-Password-Authentication"
USERS = [
    {"user_id": "auth0|1", "email": "Bob@Example.org", "given_name": "Bob",
     "identities": [{"connection": CONN, "provider": "auth0", "user_id": "1", "isSocial": False}]},
    {"user_id": "auth0|2", "email": "ann@example.org", "given_name": "Ann",
     "identities": [{"connection": CONN, "provider": "auth0", "user_id": "2", "isSocial": False}]},
]  # fmt: skip


def _sheet(tmp: Path, edit: Any, users: list[dict[str, Any]] = USERS) -> tuple[Path, Path]:
    """(backup, sheet): the CSV sheet of `users`, with `edit(rows)` applied to its rows (header first)."""
    backup = write_ndjson(tmp / "backup.ndjson", users)
    made = make_sheet(backup, tmp / "made.csv")
    rows = list(csv.reader(io.StringIO(made.read_text("utf-8-sig"))))
    edit(rows)
    sheet = tmp / "sheet.csv"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    sheet.write_text("\ufeff" + buf.getvalue(), encoding="utf-8")
    shutil.copyfile(tmp / "made.csv.bulkedit.json", tmp / "sheet.csv.bulkedit.json")
    return backup, sheet


def _add(**cells: str) -> Any:
    def edit(rows: list[list[str]]) -> None:
        rows.append([cells.get(h.replace(".", "_"), "") for h in rows[0]])

    return edit


@pytest.mark.parametrize(
    ("cells", "code", "says"),
    [
        ({"user_id": "auth0|3", "given_name": "X"}, "sheet-new-user-no-email", "the row has no email"),
        ({"given_name": "orphan"}, "sheet-new-user-no-email", "neither user_id nor email"),
        ({"user_id": "auth0|3", "email": "BOB@example.org"}, "sheet-new-user-email-taken", "backup user 'auth0|1'"),
        ({"user_id": "auth0|3", "email": "c@example.org", "blocked": "true"}, "sheet-new-user-blocked", "cannot block"),
    ],
)
def test_a_new_row_that_cannot_be_a_new_user_is_refused(tmp_path: Path, cells: dict[str, str], code: str, says: str) -> None:
    users = [dict(USERS[0], blocked=False), USERS[1]]  # a blocked column to type in
    backup, sheet = _sheet(tmp_path, _add(**cells), users)
    with pytest.raises(RefusedError) as exc:
        apply_sheet(backup, sheet, None, allow_new=True)
    assert f"{sheet}:4: {code}" in exc.value.message and says in exc.value.message


def test_a_new_row_with_a_taken_email_in_another_connection_is_a_new_user(tmp_path: Path) -> None:
    ids = '[{"connection":"other-db","provider":"auth0","user_id":"3","isSocial":false}]'
    backup, sheet = _sheet(tmp_path, _add(user_id="auth0|3", email="bob@example.org", identities=ids))
    result = apply_sheet(backup, sheet, None, allow_new=True)
    assert result.users_added == 1 and not result.refused


def test_a_valid_new_row_is_added(tmp_path: Path) -> None:
    backup, sheet = _sheet(tmp_path, _add(email="new@example.org", given_name="Nova"))
    result = apply_sheet(backup, sheet, None, allow_new=True)
    assert result.users_added == 1 and not result.refused


@pytest.mark.parametrize("allow_new", [False, True])
def test_a_blank_row_is_ignored_with_or_without_allow_new(tmp_path: Path, allow_new: bool) -> None:
    backup, sheet = _sheet(tmp_path, _add())
    assert sheet.read_text("utf-8").endswith("\n,,,\n")
    result = apply_sheet(backup, sheet, None, allow_new=allow_new)
    assert not result.refused and result.users_added == 0 and result.users_changed == 0
    assert result.warning_counts.get("sheet-blank-rows") == 1


def test_a_changed_email_cell_under_key_email_shows_the_backup_value_as_it_is(tmp_path: Path) -> None:
    def edit(rows: list[list[str]]) -> None:
        rows[1][rows[0].index("email")] = "robert@example.org"

    backup, sheet = _sheet(tmp_path, edit)
    with pytest.raises(RefusedError) as exc:
        apply_sheet(backup, sheet, None, key="email")
    assert "(was 'Bob@Example.org')" in exc.value.message


def test_a_refused_sheet_does_not_talk_of_a_where(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def edit(rows: list[list[str]]) -> None:
        rows[1][rows[0].index("email")] = "robert@example.org"  # with --key user_id: a refused change

    backup, sheet = _sheet(tmp_path, edit)
    assert main(["edit", str(backup), "--sheet", str(sheet), "--dry-run"]) == 1
    out = capsys.readouterr()
    assert "where" not in out.out + out.err
    assert "fix those cells in the sheet" in out.out


def test_every_new_row_is_listed_on_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def edit(rows: list[list[str]]) -> None:
        for i in range(25):
            _add(user_id=f"auth0|n{i}", email=f"n{i}@example.org")(rows)

    backup, sheet = _sheet(tmp_path, edit)
    assert main(["edit", str(backup), "--sheet", str(sheet), "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert err.count("sheet-new-row:") == 10 and "15 more new rows (--show-refusals 0 lists them all)" in err
    assert main(["edit", str(backup), "--sheet", str(sheet), "--dry-run", "--show-refusals", "0"]) == 1
    assert capsys.readouterr().err.count("sheet-new-row:") == 25


@pytest.mark.parametrize("second", ["twin@example.org", "Twin@Example.org"])
def test_two_new_rows_sharing_an_email_are_refused_naming_both(tmp_path: Path, second: str) -> None:
    def edit(rows: list[list[str]]) -> None:
        _add(user_id="auth0|3", email="twin@example.org")(rows)
        _add(email=second, given_name="Twin")(rows)

    backup, sheet = _sheet(tmp_path, edit)
    with pytest.raises(RefusedError) as exc:
        apply_sheet(backup, sheet, None, allow_new=True)
    message = exc.value.message
    assert f"{sheet}:5: sheet-new-user-email-twice" in message and "row 4" in message
    assert f"{sheet}:4: sheet-new-user" not in message


def test_two_new_rows_sharing_an_email_in_other_connections_are_new_users(tmp_path: Path) -> None:
    def ids(conn: str, uid: str) -> str:
        return f'[{{"connection":"{conn}","provider":"auth0","user_id":"{uid}","isSocial":false}}]'

    def edit(rows: list[list[str]]) -> None:
        _add(user_id="auth0|3", email="twin@example.org", identities=ids(CONN, "3"))(rows)
        _add(user_id="auth0|4", email="twin@example.org", identities=ids("other-db", "4"))(rows)

    backup, sheet = _sheet(tmp_path, edit)
    result = apply_sheet(backup, sheet, None, allow_new=True)
    assert result.users_added == 2 and not result.refused


def test_a_case_only_email_difference_under_key_email_is_no_change(tmp_path: Path) -> None:
    def edit(rows: list[list[str]]) -> None:
        rows[1][rows[0].index("email")] = "bob@example.org"  # the backup has Bob@Example.org
        rows[1][rows[0].index("given_name")] = "Robert"

    backup, sheet = _sheet(tmp_path, edit)
    result = apply_sheet(backup, sheet, None, key="email")
    assert not result.refused, [r.to_dict() for r in result.refusals]
    assert {(c.key, c.path) for c in result.changes} == {("Bob@Example.org", "given_name")}
    assert result.warning_counts.get("sheet-email-case") == 1
