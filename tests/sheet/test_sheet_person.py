"""Edit an XLSX with openpyxl the way a person would, and check exactly which changes come out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sheet_helpers import FIXTURE, apply_sheet, change_set, make_sheet

from bulkedit.cli.app import main
from bulkedit.errors import RefusedError
from bulkedit.io.read import read_users


@pytest.fixture(scope="module")
def base_sheet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sheet(FIXTURE, tmp_path_factory.mktemp("sheet") / "users.xlsx")


@pytest.fixture(scope="module")
def backup_users() -> list[dict[str, Any]]:
    return read_users(FIXTURE)


def edited(base: Path, tmp: Path, fn: Any) -> Path:
    """A copy of `base` saved by openpyxl after `fn(sheet, {header: column number})` edited it."""
    wb = openpyxl.load_workbook(base)
    ws = wb["users"]
    header = [c.value for c in ws[1]]
    fn(ws, {name: i + 1 for i, name in enumerate(header)})
    out = tmp / f"edited-{len(list(tmp.glob('edited-*.xlsx')))}.xlsx"
    wb.save(out)
    return out


def uid(users: list[dict[str, Any]], row: int) -> str:
    return str(users[row - 2]["user_id"])


def test_changing_one_cell_changes_that_field_only(base_sheet: Path, tmp_path: Path, backup_users: list) -> None:
    sheet = edited(base_sheet, tmp_path, lambda ws, col: setattr(ws.cell(3, col["given_name"]), "value", "Annie"))
    out = tmp_path / "out.ndjson"
    result = apply_sheet(FIXTURE, sheet, out)
    old = json.dumps(backup_users[1]["given_name"], ensure_ascii=False)
    assert change_set(result) == {(uid(backup_users, 3), "given_name", old, '"Annie"')}
    after = read_users(out)
    assert after[1]["given_name"] == "Annie"
    assert after[:1] + after[2:] == backup_users[:1] + backup_users[2:]


def test_cells_are_typed_by_their_column(base_sheet: Path, tmp_path: Path, backup_users: list) -> None:
    def person(ws: Any, col: dict[str, int]) -> None:
        ws.cell(2, col["email_verified"]).value = not backup_users[0]["email_verified"]  # the TRUE/FALSE drop-down
        ws.cell(2, col["app_metadata.seats"]).value = 42
        ws.cell(2, col["app_metadata.score"]).value = 7
        ws.cell(2, col["app_metadata.roles"]).value = '["admin"]'
        ws.cell(2, col["nickname"]).value = "007"

    sheet = edited(base_sheet, tmp_path, person)
    result = apply_sheet(FIXTURE, sheet, tmp_path / "out.ndjson")
    user = read_users(tmp_path / "out.ndjson")[0]
    assert user["email_verified"] is (not backup_users[0]["email_verified"])
    assert type(user["app_metadata"]["seats"]) is int and user["app_metadata"]["seats"] == 42
    assert type(user["app_metadata"]["score"]) is float and user["app_metadata"]["score"] == 7.0
    assert user["app_metadata"]["roles"] == ["admin"]
    assert user["nickname"] == "007"
    assert {c[1] for c in change_set(result)} == {
        "email_verified", "app_metadata.seats", "app_metadata.score", "app_metadata.roles", "nickname"
    }


def test_clearing_a_cell_removes_the_field_and_a_new_column_adds_one(base_sheet: Path, tmp_path: Path) -> None:
    def person(ws: Any, col: dict[str, int]) -> None:
        ws.cell(2, col["nickname"]).value = None
        new = ws.max_column + 1
        ws.cell(1, new).value = "user_metadata.tier"
        ws.cell(3, new).value = "gold"

    result = apply_sheet(FIXTURE, edited(base_sheet, tmp_path, person), tmp_path / "out.ndjson")
    users = read_users(tmp_path / "out.ndjson")
    assert result.warning_counts.get("sheet-new-column") == 1
    assert "nickname" not in users[0]
    assert users[1]["user_metadata"]["tier"] == "gold"
    assert {(c[1], c[3]) for c in change_set(result)} == {("nickname", "-"), ("user_metadata.tier", '"gold"')}


def test_sorting_the_rows_changes_nothing(base_sheet: Path, tmp_path: Path) -> None:
    def person(ws: Any, col: dict[str, int]) -> None:
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
        rows.sort(key=lambda r: str(r[col["email"] - 1]), reverse=True)
        for i, values in enumerate(rows, 2):
            for j, v in enumerate(values, 1):
                ws.cell(i, j).value = v

    out = tmp_path / "out.ndjson"
    result = apply_sheet(FIXTURE, edited(base_sheet, tmp_path, person), out)
    assert result.users_changed == 0 and not result.refused
    import gzip

    assert out.read_bytes() == gzip.decompress(FIXTURE.read_bytes())


def test_deleting_a_row_deletes_nobody_and_says_so(base_sheet: Path, tmp_path: Path, backup_users: list) -> None:
    out = tmp_path / "out.ndjson"
    result = apply_sheet(FIXTURE, edited(base_sheet, tmp_path, lambda ws, col: ws.delete_rows(5, 2)), out)
    assert result.users_changed == 0
    assert result.warning_counts.get("sheet-rows-missing") == 1
    assert "2 users of the backup have no row" in result.warnings[-1].message
    assert read_users(out) == backup_users


def added_row(ws: Any, col: dict[str, int]) -> None:
    r = ws.max_row + 1
    ws.cell(r, col["user_id"]).value = "auth0|new-user-1"
    ws.cell(r, col["email"]).value = "new@example.com"
    ws.cell(r, col["email_verified"]).value = True
    ws.cell(r, col["given_name"]).value = "Nova"


def test_an_added_row_is_refused_without_allow_new(base_sheet: Path, tmp_path: Path) -> None:
    sheet = edited(base_sheet, tmp_path, added_row)
    with pytest.raises(RefusedError) as exc:
        apply_sheet(FIXTURE, sheet, tmp_path / "out.ndjson")
    assert f"{sheet}:54: sheet-new-row" in exc.value.message
    assert not (tmp_path / "out.ndjson").exists()


def test_an_added_row_becomes_a_new_user_with_allow_new(base_sheet: Path, tmp_path: Path, backup_users: list) -> None:
    out = tmp_path / "out.ndjson"
    result = apply_sheet(FIXTURE, edited(base_sheet, tmp_path, added_row), out, allow_new=True)
    users = read_users(out)
    assert result.users_added == 1 and result.users_changed == 0
    assert users[:-1] == backup_users
    assert users[-1] == {"user_id": "auth0|new-user-1", "email": "new@example.com", "email_verified": True, "given_name": "Nova"}


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("email", "someone-else@example.com", "change-email"),
        ("blocked", True, "change-blocked"),
        ("identities", '[{"connection":"other-db","provider":"auth0","user_id":"x","isSocial":false}]', "change-connection"),
    ],
)
def test_guarded_cells_are_refused_with_the_row_named(base_sheet: Path, tmp_path: Path, column: str, value: Any, code: str) -> None:
    sheet = edited(base_sheet, tmp_path, lambda ws, col: setattr(ws.cell(7, col[column]), "value", value))
    out = tmp_path / "out.ndjson"
    result = apply_sheet(FIXTURE, sheet, out)
    assert result.refused and not out.exists()
    assert [(r.code, r.where) for r in result.refusals] == [(code, f"{sheet}:7")]


def test_a_changed_user_id_cell_is_refused(base_sheet: Path, tmp_path: Path) -> None:
    sheet = edited(base_sheet, tmp_path, lambda ws, col: setattr(ws.cell(4, col["user_id"]), "value", "auth0|other"))
    with pytest.raises(RefusedError) as exc:
        apply_sheet(FIXTURE, sheet, tmp_path / "out.ndjson", allow_new=True)
    assert f"{sheet}:4: change-user_id" in exc.value.message


def test_a_row_repeated_is_refused(base_sheet: Path, tmp_path: Path) -> None:
    def person(ws: Any, col: dict[str, int]) -> None:
        r = ws.max_row + 1
        for j in range(1, ws.max_column + 1):
            ws.cell(r, j).value = ws.cell(2, j).value

    sheet = edited(base_sheet, tmp_path, person)
    with pytest.raises(RefusedError) as exc:
        apply_sheet(FIXTURE, sheet, tmp_path / "out.ndjson")
    assert f"{sheet}:54: sheet-duplicate-row" in exc.value.message and "also on row 2" in exc.value.message


def test_a_wrong_value_for_the_column_type_is_refused(base_sheet: Path, tmp_path: Path) -> None:
    sheet = edited(base_sheet, tmp_path, lambda ws, col: setattr(ws.cell(2, col["app_metadata.seats"]), "value", "many"))
    result = apply_sheet(FIXTURE, sheet, tmp_path / "out.ndjson")
    assert [(r.code, r.where, r.path) for r in result.refusals] == [("sheet-invalid-cell", f"{sheet}:2", "app_metadata.seats")]


def test_email_as_the_key(tmp_path: Path) -> None:
    from sheet_helpers import write_ndjson

    backup = write_ndjson(tmp_path / "b.ndjson", [{"user_id": "auth0|1", "email": "Ann@Example.com", "given_name": "Ann"}])
    sheet = make_sheet(backup, tmp_path / "s.xlsx")
    renamed = edited(sheet, tmp_path, lambda ws, col: setattr(ws.cell(2, col["given_name"]), "value", "Anne"))
    result = apply_sheet(backup, renamed, tmp_path / "o.ndjson", key="email")
    assert change_set(result) == {("Ann@Example.com", "given_name", '"Ann"', '"Anne"')}
    # with email as the key, a changed user_id cell is a refused change of that user
    moved = edited(sheet, tmp_path, lambda ws, col: setattr(ws.cell(2, col["user_id"]), "value", "auth0|typo"))
    result = apply_sheet(backup, moved, tmp_path / "o2.ndjson", key="email")
    assert [(r.code, r.where) for r in result.refusals] == [("change-user_id", f"{moved}:2")]


def test_an_email_two_backup_users_share_cannot_be_a_key(base_sheet: Path, tmp_path: Path) -> None:
    with pytest.raises(RefusedError) as exc:
        apply_sheet(FIXTURE, base_sheet, tmp_path / "o.ndjson", key="email")
    assert "sheet-ambiguous-key" in exc.value.message or "sheet-duplicate-row" in exc.value.message
    assert "--key user_id" in exc.value.message


def test_a_sheet_from_another_file_is_warned_about(base_sheet: Path, tmp_path: Path) -> None:
    result = apply_sheet(FIXTURE, base_sheet, tmp_path / "o.ndjson")
    assert "sheet-source-differs" not in result.warning_counts
    other = tmp_path / "export.ndjson"
    import gzip

    other.write_bytes(gzip.decompress(FIXTURE.read_bytes()) + b"\n")
    result = apply_sheet(other, base_sheet, tmp_path / "o2.ndjson")
    assert result.warning_counts.get("sheet-source-differs") == 1
    assert result.users_changed == 0


def test_cli_edit_sheet_exit_codes_and_json(base_sheet: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = edited(base_sheet, tmp_path, lambda ws, col: setattr(ws.cell(3, col["family_name"]), "value", "Smith-Jones"))
    out = tmp_path / "out.ndjson"
    assert main(["edit", str(FIXTURE), "--sheet", str(sheet), "-o", str(out), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["users"]["changed"] == 1 and data["changes"][0]["path"] == "family_name"
    refused = edited(base_sheet, tmp_path, lambda ws, col: setattr(ws.cell(3, col["email"]), "value", "x@example.com"))
    out2 = tmp_path / "out2.ndjson"
    assert main(["edit", str(FIXTURE), "--sheet", str(refused), "-o", str(out2)]) == 1
    assert not out2.exists()
    assert main(["edit", str(FIXTURE), "--sheet", str(sheet), "--plan", "x.yaml", "-o", str(out2)]) == 2
    assert main(["edit", str(FIXTURE), "--sheet", str(sheet), "-o", str(out2), "--accept-damage", "nonsense"]) == 2
    capsys.readouterr()
    assert main(["edit", str(FIXTURE), "--sheet", str(sheet), "--dry-run"]) == 0
    assert not out2.exists()


def test_a_sheet_without_its_hidden_sheet_is_typed_like_the_backup(base_sheet: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(base_sheet)
    del wb["_bulkedit"]
    ws = wb["users"]
    col = {c.value: c.column for c in ws[1]}
    ws.cell(2, col["email_verified"]).value = "false"
    ws.cell(2, col["app_metadata.seats"]).value = "9"
    wb.save(tmp_path / "plain.xlsx")
    result = apply_sheet(FIXTURE, tmp_path / "plain.xlsx", tmp_path / "o.ndjson")
    assert result.warning_counts.get("sheet-untyped") == 1
    user = read_users(tmp_path / "o.ndjson")[0]
    assert user["email_verified"] is False and user["app_metadata"]["seats"] == 9


def test_the_output_may_not_overwrite_the_sheet(base_sheet: Path, tmp_path: Path) -> None:
    import shutil

    sheet = tmp_path / "s.xlsx"
    shutil.copyfile(base_sheet, sheet)
    before = sheet.read_bytes()
    assert main(["edit", str(FIXTURE), "--sheet", str(sheet), "-o", str(sheet)]) == 2
    assert sheet.read_bytes() == before


def test_a_word_in_a_mixed_type_json_column_is_text(base_sheet: Path, tmp_path: Path, backup_users: list) -> None:
    # app_metadata.plan holds 0 for some users and "trial" for others, so its cells are JSON
    def person(ws: Any, col: dict[str, int]) -> None:
        ws.cell(2, col["app_metadata.plan"]).value = "enterprise"
        ws.cell(3, col["app_metadata.plan"]).value = '["broken"'

    result = apply_sheet(FIXTURE, edited(base_sheet, tmp_path, person), tmp_path / "o.ndjson")
    assert [(r.code, r.where.rsplit(":", 1)[1]) for r in result.refusals] == [("sheet-invalid-cell", "3")]
    assert result.warning_counts.get("sheet-text-in-json-column") == 1
