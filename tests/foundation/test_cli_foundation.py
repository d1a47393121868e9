from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bulkedit.cli.app import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def test_inspect_text(capsys: pytest.CaptureFixture[str], fixtures: Path) -> None:
    rc, out, _ = run(capsys, "inspect", fixtures / "export.json.gz")
    assert rc == 0
    assert "format:  ndjson (gzip)" in out
    assert "users:   52" in out
    assert "Username-Password-Authentication" in out and "legacy-db" in out
    assert "app_metadata.plan" in out and "string" in out and "integer" in out
    assert "duplicate emails (case-insensitive): 1" in out


def test_inspect_json_equals_library(capsys: pytest.CaptureFixture[str], fixtures: Path) -> None:
    from bulkedit.inspect import inspect
    from bulkedit.io.read import open_source

    rc, out, _ = run(capsys, "inspect", fixtures / "export.json.gz", "--format", "json")
    assert rc == 0
    data = json.loads(out)
    assert data == json.loads(json.dumps(inspect(open_source(fixtures / "export.json.gz")).to_dict()))
    assert data["users"] == 52
    assert data["connections"] == {"Username-Password-Authentication": 26, "legacy-db": 24, "google-oauth2": 2}
    by_path = {f["path"]: f for f in data["fields"]}
    assert by_path["app_metadata.plan"]["types"].keys() == {"string", "integer"}
    assert by_path["user_metadata.legacy_id"]["types"] == {"null": 3}
    assert len(data["duplicates"]["email"]) == 1
    assert data["duplicates"]["user_id"] == {}


def test_inspect_dashboard_csv_reports_renames(capsys: pytest.CaptureFixture[str], fixtures: Path) -> None:
    rc, out, _ = run(capsys, "inspect", fixtures / "export-dashboard.csv", "--format", "json")
    data = json.loads(out)
    assert rc == 0 and data["renamed_columns"]["Id"] == "user_id"
    assert data["connections"]["legacy-db"] == 24


@pytest.mark.parametrize("suffix", [".json", ".ndjson", ".csv", ".xlsx"])
def test_convert_every_format_roundtrips(capsys: pytest.CaptureFixture[str], fixtures: Path, tmp_path: Path, suffix: str) -> None:
    from bulkedit.io.read import read_users

    out = tmp_path / f"users{suffix}"
    rc, _, err = run(capsys, "convert", fixtures / "export.json.gz", "-o", out)
    assert rc == 0 and "converted 52 users" in err
    assert read_users(out) == read_users(fixtures / "export.json.gz")


def test_convert_to_overrides_suffix(capsys: pytest.CaptureFixture[str], fixtures: Path, tmp_path: Path) -> None:
    out = tmp_path / "users.out"
    rc, _, _ = run(capsys, "convert", fixtures / "export.json", "-o", out, "--to", "ndjson")
    assert rc == 0 and len(out.read_text().splitlines()) == 52


def test_convert_with_map(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("Mail,Zip Code\na@x.com,02134\n")
    mp = tmp_path / "map.yaml"
    mp.write_text("Mail: email\nZip Code: user_metadata.zip\n")
    out = tmp_path / "o.ndjson"
    rc, _, _ = run(capsys, "convert", src, "-o", out, "--map", mp)
    assert rc == 0
    assert json.loads(out.read_text()) == {"email": "a@x.com", "user_metadata": {"zip": "02134"}}


@pytest.mark.parametrize(
    ("content", "name", "expect"),
    [
        (b'{"email":"a@x.com"}\n{bad\n', "bad.ndjson", "bad.ndjson:2: malformed JSON at column 2"),
        (b"email\na@x.com\n", "fake.xlsx", "is named .xlsx but is not an XLSX workbook"),
        (b'{"email":"\xff"}\n', "utf.ndjson", "utf.ndjson:1: invalid UTF-8"),
        (b"\x00\x00\x00", "bin.dat", "unknown format"),
    ],
)
def test_bad_input_one_message_exit_2_no_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, name: str, expect: str
) -> None:
    src = tmp_path / name
    src.write_bytes(content)
    out = tmp_path / "out" / "o.json"
    out.parent.mkdir()
    rc, stdout, err = run(capsys, "convert", src, "-o", out)
    assert rc == 2
    assert expect in err
    assert "Traceback" not in err and "hint:" in err
    assert list(out.parent.iterdir()) == []
    assert src.read_bytes() == content  # inputs are never modified


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, _, err = run(capsys, "inspect", tmp_path / "nope.json.gz")
    assert rc == 2 and "no such file" in err


def test_output_may_not_be_the_input(capsys: pytest.CaptureFixture[str], tmp_path: Path, fixtures: Path) -> None:
    src = tmp_path / "in.ndjson"
    src.write_bytes(gzip.decompress((fixtures / "export.json.gz").read_bytes()))
    before = src.read_bytes()
    rc, _, err = run(capsys, "convert", src, "-o", src)
    assert rc == 2 and "is the input file" in err
    assert src.read_bytes() == before


def test_console_script_end_to_end(tmp_path: Path, fixtures: Path) -> None:
    """The installed `bulkedit` entry point, as an external test would call it."""
    exe = Path(sys.executable).with_name("bulkedit")
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "bulkedit"]
    out = tmp_path / "u.json"
    proc = subprocess.run(argv + ["convert", str(fixtures / "export.csv.gz"), "-o", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(out.read_text())) == 52
    bad = subprocess.run(argv + ["inspect", str(tmp_path / "missing.json")], capture_output=True, text=True, env={**os.environ})
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    ("command", "depth", "expect"),
    [
        ("inspect", 5000, "deep.ndjson:1: objects and lists are nested more than 100 levels deep"),
        ("convert", 5000, "deep.ndjson:1: objects and lists are nested more than 100 levels deep"),
        ("inspect", 450, "deep.ndjson:1: objects and lists are nested more than 100 levels deep"),
        ("convert", 99, "deep.ndjson:1: objects and lists are nested more than 100 levels deep"),
    ],
)
def test_absurdly_deep_nesting_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path, depth: int, expect: str, command: str) -> None:
    """Deeper than the readers' limit (jsonio.MAX_DEPTH), however deep: named with its line, nothing written."""
    import sys

    src = tmp_path / "deep.ndjson"
    src.write_text('{"email":"a@b.co","user_metadata":{"x":' + '{"a":' * depth + "1" + "}" * depth + "}}\n")
    out = tmp_path / "out" / "o.xlsx"
    out.parent.mkdir()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(800)  # the same check however deep the test runner's own stack is
    try:
        rc, _, err = run(capsys, command, src, *(["-o", out] if command == "convert" else []))
    finally:
        sys.setrecursionlimit(limit)
    assert rc == 2
    assert expect in err and "Traceback" not in err and "internal error" not in err
    assert list(out.parent.iterdir()) == []
