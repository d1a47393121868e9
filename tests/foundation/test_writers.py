from __future__ import annotations

import gzip
import json
import os
import stat
from pathlib import Path

import pytest

from bulkedit.errors import UsageError
from bulkedit.io.read import Record, open_source, read_users
from bulkedit.io.write import output_format, write_users


def recs(users: list[dict]):  # type: ignore[no-untyped-def]
    return lambda: (Record(i + 1, u, None) for i, u in enumerate(users))


def test_raw_bytes_are_copied_for_unchanged_users(tmp_path: Path) -> None:
    src = tmp_path / "in.ndjson"
    src.write_bytes(b'{"email": "a@x.com",   "n": 1.50}\n')
    out = tmp_path / "out.ndjson"
    write_users(out, open_source(src).records, "ndjson")
    assert out.read_bytes() == b'{"email": "a@x.com",   "n": 1.50}\n'


def test_json_array_output_is_valid_json(tmp_path: Path) -> None:
    users = [{"email": "a@x.com"}, {"email": "b@x.com", "user_metadata": {"big": 2**70}}]
    out = tmp_path / "o.json"
    write_users(out, recs(users), "json")
    assert json.loads(out.read_text()) == users
    empty = tmp_path / "e.json"
    write_users(empty, recs([]), "json")
    assert json.loads(empty.read_text()) == []


@pytest.mark.parametrize("fmt", ["ndjson", "json", "csv", "xlsx"])
def test_files_with_hashes_are_private(tmp_path: Path, fmt: str) -> None:
    users = [{"email": "a@x.com"}, {"email": "b@x.com", "password_hash": "$2b$10$" + "a" * 53}]
    out = tmp_path / f"o.{fmt}"
    result = write_users(out, recs(users), fmt)
    assert result.private
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    plain = tmp_path / f"p.{fmt}"
    write_users(plain, recs(users[:1]), fmt)
    assert stat.S_IMODE(plain.stat().st_mode) & 0o044  # readable as the umask allows


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    def boom():  # type: ignore[no-untyped-def]
        yield Record(1, {"email": "a@x.com"}, None)
        raise RuntimeError("stop")

    out = tmp_path / "o.ndjson"
    with pytest.raises(RuntimeError):
        write_users(out, boom, "ndjson")
    assert os.listdir(tmp_path) == []


def test_existing_output_replaced_only_on_success(tmp_path: Path) -> None:
    out = tmp_path / "o.ndjson"
    out.write_text("old\n")

    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("stop")
        yield

    with pytest.raises(RuntimeError):
        write_users(out, boom, "ndjson")
    assert out.read_text() == "old\n"


def test_csv_formula_guard_and_sidecar(tmp_path: Path) -> None:
    users = [{"email": "a@x.com", "given_name": "=HYPERLINK(\"x\")", "family_name": "'Brien", "nickname": "-x"}]
    out = tmp_path / "o.csv"
    write_users(out, recs(users), "csv")
    text = out.read_text()
    assert "'=HYPERLINK" in text and "''Brien" in text and "'-x" in text
    side = json.loads((tmp_path / "o.csv.bulkedit.json").read_text())
    assert {c["name"]: c["type"] for c in side["columns"]}["email"] == "string"
    assert read_users(out) == users


def test_csv_distinguishes_null_empty_and_absent(tmp_path: Path) -> None:
    users = [
        {"email": "a@x.com", "user_metadata": {"zip": "02134", "x": None, "y": ""}},
        {"email": "b@x.com", "user_metadata": {"zip": "", "flag": True}},
        {"email": "c@x.com", "user_metadata": {}},
        {"email": "d@x.com"},
    ]
    out = tmp_path / "o.csv"
    write_users(out, recs(users), "csv")
    assert read_users(out) == users


def test_xlsx_strings_are_text_cells(tmp_path: Path) -> None:
    import openpyxl

    users = [{"email": "a@x.com", "user_metadata": {"zip": "02134", "phone": "+4930123", "f": "=1+1"}, "email_verified": True}]
    out = tmp_path / "o.xlsx"
    write_users(out, recs(users), "xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb["users"]
    header = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(header, ws[2])}
    assert row["user_metadata.zip"].data_type == "s" and row["user_metadata.zip"].value == "02134"
    assert row["user_metadata.f"].data_type == "s"  # not a formula
    assert row["email_verified"].value is True
    assert wb["_bulkedit"].sheet_state == "hidden"
    assert read_users(out) == users


def test_output_format_from_suffix() -> None:
    assert output_format(Path("a.json.gz"), None) == "json"
    assert output_format(Path("a.xlsx"), None) == "xlsx"
    assert output_format(Path("a.out"), "csv") == "csv"
    with pytest.raises(UsageError):
        output_format(Path("a.out"), None)


@pytest.mark.parametrize("fmt", ["ndjson", "json", "ndjson.gz", "json.gz"])
def test_parallel_convert_equals_sequential(tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.generate import write_ndjson
    from bulkedit.convert import convert
    from bulkedit.io import parallel

    src = tmp_path / "u.ndjson"
    write_ndjson(src, 3000, seed=5)
    lines = src.read_bytes().splitlines(keepends=True)
    lines.insert(10, b"\n")  # a blank line, and a renamed key in the second half
    lines[2500] = b'{"Email": "renamed@x.com", "password_hash": "$2b$10$' + b"a" * 53 + b'"}\n'
    src.write_bytes(b"".join(lines))
    seq = tmp_path / f"seq.{fmt}"
    convert(open_source(src), seq)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    par = tmp_path / f"par.{fmt}"
    source = open_source(src)
    result = convert(source, par)
    if fmt.endswith(".gz"):  # one gzip member per part: the same text once decompressed
        assert par.read_bytes()[:2] == seq.read_bytes()[:2] == b"\x1f\x8b"
        assert gzip.decompress(par.read_bytes()) == gzip.decompress(seq.read_bytes())
    else:
        assert par.read_bytes() == seq.read_bytes()
    assert result.output.users == 3000 and result.output.private
    assert stat.S_IMODE(par.stat().st_mode) == 0o600
    assert source.renamed == {"Email": "email"}
    assert not [p for p in tmp_path.iterdir() if p.name.endswith((".part", ".tmp"))]


def test_parallel_convert_error_names_line_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.generate import write_ndjson
    from bulkedit.convert import convert
    from bulkedit.errors import InputError
    from bulkedit.io import parallel

    src = tmp_path / "u.ndjson"
    write_ndjson(src, 2000, seed=5)
    lines = src.read_bytes().splitlines(keepends=True)
    lines[1800] = b'{"email": oops}\n'
    src.write_bytes(b"".join(lines))
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    with pytest.raises(InputError) as info:
        convert(open_source(src), tmp_path / "o.json")
    assert ":1801:" in info.value.render()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["u.ndjson"]


@pytest.mark.parametrize("name", ["u.ndjson.gz", "u.json.gz", "u.csv.gz", "u.tsv.gz"])
def test_gz_outputs_are_gzip_and_read_back(tmp_path: Path, name: str) -> None:
    users = [{"user_id": "auth0|1", "email": "a@x.com", "password_hash": "$2b$10$" + "a" * 53, "app_metadata": {"plan": 0}},
             {"user_id": "auth0|2", "email": "b@x.com", "app_metadata": {"plan": "trial"}}]
    out = tmp_path / name
    result = write_users(out, recs(users), output_format(out, None))
    assert out.read_bytes()[:2] == b"\x1f\x8b" and result.private
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = gzip.decompress(out.read_bytes())
    if "sv" in name:
        assert text.splitlines()[0].decode("utf-8-sig").startswith("user_id," if ".csv" in name else "user_id\t")
    assert read_users(out) == users
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_tsv_output_is_tab_separated(tmp_path: Path) -> None:
    out = tmp_path / "u.tsv"
    write_users(out, recs([{"user_id": "auth0|1", "email": "a@x.com", "name": "A, B"}]), output_format(out, None))
    assert out.read_text("utf-8").splitlines() == ["user_id\temail\tname", "auth0|1\ta@x.com\tA, B"]
    assert read_users(out) == [{"user_id": "auth0|1", "email": "a@x.com", "name": "A, B"}]


def test_gzipped_xlsx_output_is_refused_and_input_is_read(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="XLSX workbook is compressed already"):
        output_format(tmp_path / "u.xlsx.gz", None)
    with pytest.raises(UsageError):
        output_format(tmp_path / "u.gz", "xlsx")
    users = [{"user_id": "auth0|1", "email": "a@x.com", "identities": [{"connection": "db"}]}]
    write_users(tmp_path / "u.xlsx", recs(users), "xlsx")
    (tmp_path / "u.xlsx.gz").write_bytes(gzip.compress((tmp_path / "u.xlsx").read_bytes()))
    src = open_source(tmp_path / "u.xlsx.gz")
    assert (src.format, src.compressed) == ("xlsx", True)
    assert list(src.users()) == users


def test_parallel_edit_writes_gzip_when_asked(tmp_path: Path) -> None:
    from bench.generate import write_ndjson
    from bulkedit.edit.apply import apply_edits
    from bulkedit.edit.plan import load_plan

    src = tmp_path / "u.ndjson"
    write_ndjson(src, 2000, seed=3)
    (tmp_path / "plan.yaml").write_text("edits:\n  - set: {user_metadata.x: 1}\n", encoding="utf-8")
    plan = load_plan(tmp_path / "plan.yaml")
    apply_edits(open_source(src), plan, tmp_path / "par.ndjson.gz", workers=2)
    apply_edits(open_source(src), load_plan(tmp_path / "plan.yaml"), tmp_path / "seq.ndjson", workers=1)
    assert gzip.decompress((tmp_path / "par.ndjson.gz").read_bytes()) == (tmp_path / "seq.ndjson").read_bytes()


def test_convert_refuses_to_overwrite_the_inputs_sidecar(tmp_path: Path) -> None:
    from bulkedit.convert import convert

    write_users(tmp_path / "u.csv", recs([{"user_id": "auth0|1", "email": "a@x.com"}]), "csv")
    side = tmp_path / "u.csv.bulkedit.json"
    before = side.read_bytes()
    with pytest.raises(UsageError, match="is the input"):
        convert(open_source(tmp_path / "u.csv"), side)
    assert side.read_bytes() == before


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_sheet_round_trip_gives_back_the_same_bytes(tmp_path: Path, suffix: str) -> None:
    """The sheet puts key columns first; the recorded key order puts each user's keys back
    (the fixture's first user has app_metadata without user_metadata, most have both)."""
    from bulkedit.cli.app import main

    export = Path(__file__).resolve().parents[2] / "fixtures" / "export.json.gz"
    sheet, back, direct = tmp_path / f"users{suffix}", tmp_path / "back.ndjson", tmp_path / "direct.ndjson"
    assert main(["convert", str(export), "-o", str(sheet)]) == 0
    assert main(["convert", str(sheet), "-o", str(back)]) == 0
    assert main(["convert", str(export), "-o", str(direct)]) == 0
    assert back.read_bytes() == direct.read_bytes()
