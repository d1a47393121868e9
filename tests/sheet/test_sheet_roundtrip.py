"""Laws of the round trip: convert -> read back gives the same users; an untouched sheet changes nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sheet_helpers import apply_sheet, make_sheet, write_ndjson

from bulkedit.io import jsonio
from bulkedit.io.read import read_users

KEY = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_ABCXYZ0123456789.-$ é", min_size=1, max_size=8)
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
    st.sampled_from(["02134", "true", "TRUE", "1/2/2024", "2024-01-02T03:04:05.000Z", "=1+1", "'quoted", "_x0041_", "", "\ufffe<&>", "a\x00b\rc"]),
)
JSON = st.recursive(
    SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEY, inner, max_size=3)),
    max_leaves=8,
)
META = st.dictionaries(KEY, JSON, max_size=4)


@st.composite
def users(draw: Any) -> list[dict[str, Any]]:
    n = draw(st.integers(min_value=1, max_value=6))
    out = []
    for i in range(n):
        user: dict[str, Any] = {"user_id": f"auth0|{i:04d}", "email": f"u{i}@example.com"}
        if draw(st.booleans()):
            user["email_verified"] = draw(st.booleans())
        if draw(st.booleans()):
            user["given_name"] = draw(TEXT)
        if draw(st.booleans()):
            user["user_metadata"] = draw(META)
        if draw(st.booleans()):
            user["app_metadata"] = draw(META)
        out.append(user)
    return out


def canon(users: list[dict[str, Any]]) -> list[bytes]:
    return [jsonio.canonical(u) for u in users]


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@SETTINGS
@given(data=users())
def test_convert_then_read_back_gives_the_same_users(suffix: str, data: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        backup = write_ndjson(Path(tmp) / "backup.ndjson", data)
        sheet = make_sheet(backup, Path(tmp) / f"users{suffix}")
        assert canon(read_users(sheet)) == canon(data)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@SETTINGS
@given(data=users())
def test_an_untouched_sheet_gives_the_backup_byte_for_byte(suffix: str, data: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        backup = write_ndjson(Path(tmp) / "backup.ndjson", data)
        sheet = make_sheet(backup, Path(tmp) / f"users{suffix}")
        out = Path(tmp) / "out.ndjson"
        result = apply_sheet(backup, sheet, out)
        assert not result.refused, [r.to_dict() for r in result.refusals]
        assert result.users_changed == 0
        assert out.read_bytes() == backup.read_bytes()


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_fixture_export_round_trips(tmp_path: Path, suffix: str) -> None:
    from sheet_helpers import FIXTURE

    sheet = make_sheet(FIXTURE, tmp_path / f"users{suffix}")
    assert canon(read_users(sheet)) == canon(read_users(FIXTURE))
    out = tmp_path / "out.ndjson"
    result = apply_sheet(FIXTURE, sheet, out)
    assert result.users_changed == 0 and not result.refused
    import gzip

    assert out.read_bytes() == gzip.decompress(FIXTURE.read_bytes())


NAME = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(NAME, min_size=1, max_size=6),
    edits=st.dictionaries(st.integers(min_value=0, max_value=5), st.one_of(NAME, st.booleans(), st.none()), max_size=4),
)
def test_the_change_set_is_exactly_the_cells_edited(names: list[str], edits: dict[int, Any]) -> None:
    """Law: apply(backup, sheet with some cells changed) differs from the backup in exactly those cells."""
    import openpyxl
    from sheet_helpers import change_set

    from bulkedit.paths import MISSING

    data = [{"user_id": f"auth0|{i}", "email": f"u{i}@example.com", "given_name": n, "email_verified": i % 2 == 0}
            for i, n in enumerate(names)]
    with tempfile.TemporaryDirectory() as tmp:
        backup = write_ndjson(Path(tmp) / "backup.ndjson", data)
        sheet = make_sheet(backup, Path(tmp) / "users.xlsx")
        wb = openpyxl.load_workbook(sheet)
        ws = wb["users"]
        col = {c.value: c.column for c in ws[1]}
        expected = set()
        for i, value in edits.items():
            if i >= len(data):
                continue
            field = "email_verified" if type(value) is bool else "given_name"
            cell = ws.cell(i + 2, col[field])
            cell.value = value
            if type(value) is str and value.startswith("="):
                cell.data_type = "s"  # typed as text (Excel: a leading '), not a formula
            old = data[i][field]
            new = MISSING if value is None else value
            if new != old or type(new) is not type(old):
                show = lambda v: "-" if v is MISSING else jsonio.dumps(v).decode()  # noqa: E731
                expected.add((data[i]["user_id"], field, show(old), show(new)))
        wb.save(Path(tmp) / "edited.xlsx")
        result = apply_sheet(backup, Path(tmp) / "edited.xlsx", Path(tmp) / "out.ndjson")
        assert not result.refused
        assert change_set(result) == expected


def test_a_formula_without_a_saved_result_is_refused_not_read_as_empty(tmp_path: Path) -> None:
    """A script-written formula has no value to read; taking the cell as empty would delete the field."""
    import openpyxl

    from bulkedit.cli.app import main

    data = [{"user_id": f"auth0|{i}", "email": f"u{i}@example.com", "given_name": f"N{i}"} for i in range(3)]
    backup = write_ndjson(tmp_path / "backup.ndjson", data)
    sheet = make_sheet(backup, tmp_path / "users.xlsx")
    wb = openpyxl.load_workbook(sheet)
    ws = wb["users"]
    col = {c.value: c.column for c in ws[1]}
    ws.cell(3, col["given_name"]).value = "=UPPER(A3)"
    wb.save(tmp_path / "edited.xlsx")
    out = tmp_path / "out.ndjson"
    assert main(["edit", str(backup), "--sheet", str(tmp_path / "edited.xlsx"), "-o", str(out)]) == 2
    assert not out.exists()
