"""Inputs built to eat the machine are refused within limits set from what an Auth0 user is.

Each bomb is built here, small on disk, and read by a real process whose address space is
capped (RLIMIT_AS), so a regression fails the test instead of taking the machine down.
The process's peak resident memory is checked (under 500 MB); its time is recorded, not
asserted (the suite runs on a loaded machine).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from bulkedit.io import limits

from .conftest import ROOT, ndjson, user

BLOCK = 16 << 20
#: the decompressed size of the bombs (as the harness that found them used)
BOMB = 2_200_000_000
MEASURED = Path(os.environ.get("BULKEDIT_BOMB_LOG", "/dev/null"))


def gzip_bomb(path: Path, head: bytes, fill: bytes, tail: bytes = b"", size: int = BOMB) -> Path:
    """A gzip file of `head`, then `fill` repeated to about `size` bytes, then `tail`: each
    16 MB of fill is one gzip member compressed once and written many times."""
    member = gzip.compress(fill * (BLOCK // len(fill)), compresslevel=9, mtime=0)
    with open(path, "wb") as f:
        f.write(gzip.compress(head, mtime=0))
        for _ in range(size // BLOCK):
            f.write(member)
        f.write(gzip.compress(tail, mtime=0))
    return path


class _Repeating:
    """A deflate compressor that emits a precomputed stream for the repeated block (zip bombs)."""

    def __init__(self, block: bytes, packed: bytes) -> None:
        self.block, self.packed = block, packed
        self.c = zlib.compressobj(9, zlib.DEFLATED, -15)

    def compress(self, data: bytes) -> bytes:
        if data is self.block:
            return self.packed
        return self.c.compress(data) + self.c.flush(zlib.Z_FULL_FLUSH)

    def flush(self) -> bytes:
        return self.c.flush()


def xlsx(path: Path, sheet: str, strings: list[str] | None = None, bomb: tuple[str, bytes, bytes] | None = None) -> Path:
    """A minimal workbook; `bomb`: (member, XML before, XML after) around BOMB bytes of 'a'."""
    files = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": '<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="users" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": "<Relationships>"
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Target="sharedStrings.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    if strings is not None:
        files["xl/sharedStrings.xml"] = "<sst>" + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            if bomb is None or name != bomb[0]:
                z.writestr(name, text)
        if bomb is not None:
            name, before, after = bomb
            block = b"a" * BLOCK
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            packed = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
            real_compressor, real_crc = zipfile._get_compressor, zipfile.crc32  # type: ignore[attr-defined]
            zipfile._get_compressor = lambda *a, **k: _Repeating(block, packed)  # type: ignore[attr-defined]
            zipfile.crc32 = lambda data, value=0: 0  # the reader refuses long before the CRC is checked
            try:
                with z.open(zipfile.ZipInfo(name), "w", force_zip64=True) as f:
                    f.write(before)
                    for _ in range(BOMB // BLOCK):
                        f.write(block)
                    f.write(after)
            finally:
                zipfile._get_compressor, zipfile.crc32 = real_compressor, real_crc  # type: ignore[attr-defined]
    return path


HEADER = '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c></row>'


def run_capped(*args: Any, mem_mb: int = 2048) -> tuple[int, str, float, float]:
    """Run `bulkedit ARGS` with its address space capped: (exit code, stderr, peak RSS in MB, seconds)."""
    code = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({mem_mb} << 20, {mem_mb} << 20))\n"
        "from bulkedit.cli.app import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    start = time.monotonic()
    with open(os.devnull, "wb") as null, subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)], stdout=null, stderr=subprocess.PIPE, cwd=ROOT
    ) as proc:
        assert proc.stderr is not None
        err = proc.stderr.read().decode()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, err, usage.ru_maxrss / 1024, time.monotonic() - start


def refused(name: str, path: Path, expect: str | tuple[str, ...], command: str = "inspect") -> None:
    """Read `path` in a capped process: refused (exit 2) with one of the `expect` messages, under 500 MB."""
    args = [command, path] + (["-o", path.parent / "out.json"] if command == "convert" else [])
    rc, err, peak, seconds = run_capped(*args)
    with open(MEASURED, "a") as log:
        log.write(json.dumps({"bomb": name, "command": command, "rc": rc, "peak_mb": round(peak), "seconds": round(seconds, 2),
                              "disk_kb": path.stat().st_size // 1024}) + "\n")
    assert rc == 2, err
    assert any(e in err for e in ((expect,) if isinstance(expect, str) else expect)), err
    assert "internal error" not in err and "Traceback" not in err
    assert peak < 500, f"{name}: peak {peak:.0f} MB"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temp file left


@pytest.mark.parametrize("command", ["inspect", "convert", "lint"])
def test_a_gzip_of_2_gb_of_newlines(tmp_path: Path, command: str) -> None:
    bomb = gzip_bomb(tmp_path / "export.json.gz", ndjson([user(1)]).encode(), b"\n")
    refused("newlines", bomb, ("decompresses more than 100-fold", "blank lines"), command)


def test_a_gzip_of_2_gb_of_blank_space_only(tmp_path: Path) -> None:
    bomb = gzip_bomb(tmp_path / "export.json.gz", b"", b" \n")
    refused("blank space", bomb, ("decompresses more than 100-fold", "blank lines"))


def test_a_gzip_of_one_2_gb_csv_field(tmp_path: Path) -> None:
    bomb = gzip_bomb(tmp_path / "users.csv.gz", b'email,name\n"a@x.io","', b"a", b'"\n')
    refused("CSV field", bomb, (f"a cell longer than {limits.MAX_CSV_CELL:,} characters", "a line longer than"))


def test_a_gzip_of_one_2_gb_csv_header(tmp_path: Path) -> None:
    bomb = gzip_bomb(tmp_path / "users.csv.gz", b"email,", b"a")
    refused("CSV header", bomb, "a line longer than")


def test_a_csv_with_a_cell_past_the_limit(tmp_path: Path) -> None:
    """Not compressible (the ratio check does not fire), and over many lines (each under the line limit)."""
    path = tmp_path / "users.csv"
    cell = "\n".join(os.urandom(500).hex() for _ in range(limits.MAX_CSV_CELL // 1000 + 10))
    path.write_text(f'email,name\na@x.io,"{cell}"\n')
    refused("CSV 4 MB cell", path, f"a cell longer than {limits.MAX_CSV_CELL:,} characters")


def test_an_ndjson_line_past_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "export.ndjson"
    path.write_text(ndjson([user(1)]) + json.dumps(user(2, user_metadata={"x": os.urandom(limits.MAX_USER_BYTES // 2).hex()})))
    refused("NDJSON long line", path, "no line end within 4,194,304 bytes")


def test_a_million_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "export.ndjson"
    path.write_text(ndjson([user(1)]) + "\n" * (limits.MAX_BLANK_LINES + 1) + ndjson([user(2)]))
    refused("blank lines", path, f"more than {limits.MAX_BLANK_LINES:,} blank lines")


def test_an_xlsx_cell_of_2_gb(tmp_path: Path) -> None:
    sheet = (HEADER + '<row r="2"><c r="A2" t="inlineStr"><is><t>').encode()
    bomb = xlsx(tmp_path / "users.xlsx", "", bomb=("xl/worksheets/sheet1.xml", sheet, b"</t></is></c></row></sheetData></worksheet>"))
    refused("XLSX cell", bomb, "expands more than 100-fold")


def test_an_xlsx_shared_string_of_2_gb(tmp_path: Path) -> None:
    sheet = HEADER.replace('t="inlineStr"><is><t>email</t></is>', 't="s"><v>0</v>') + "</sheetData></worksheet>"
    bomb = xlsx(tmp_path / "users.xlsx", sheet, bomb=("xl/sharedStrings.xml", b"<sst><si><t>", b"</t></si></sst>"))
    refused("XLSX shared string", bomb, "expands more than 100-fold")


@pytest.mark.parametrize("where", ["cell", "shared string"])
def test_an_xlsx_cell_past_32767_characters(tmp_path: Path, where: str) -> None:
    text = os.urandom(20_000).hex()  # 40,000 characters, not compressible
    if where == "cell":
        sheet = HEADER + f'<row r="2"><c r="A2" t="inlineStr"><is><t>{text}</t></is></c></row></sheetData></worksheet>'
        path = xlsx(tmp_path / "users.xlsx", sheet)
    else:
        sheet = HEADER + '<row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData></worksheet>'
        path = xlsx(tmp_path / "users.xlsx", sheet, strings=[text])
    refused(f"XLSX 40k {where}", path, "more than 32,767 characters")


@pytest.mark.parametrize(("name", "row", "expect"), [
    ("row 2,000,000,000", '<row r="2000000000"><c r="A2000000000" t="inlineStr"><is><t>b@x.io</t></is></c></row>', "row 2,000,000,000 lies past the last row"),
    ("column ZZZZZZ", '<row r="2"><c r="ZZZZZZ2" t="inlineStr"><is><t>b@x.io</t></is></c></row>', "lies past the last column a sheet has (XFD"),
    ("shared string past the table", '<row r="2"><c r="A2" t="s"><v>7</v></c></row>', "refers to shared string '7', which does not exist"),
])
def test_an_xlsx_that_points_past_a_sheet_or_its_strings(tmp_path: Path, name: str, row: str, expect: str) -> None:
    path = xlsx(tmp_path / "users.xlsx", HEADER + row + "</sheetData></worksheet>", strings=["a@x.io"])
    refused(name, path, expect)


def test_a_plain_zip_named_csv(tmp_path: Path) -> None:
    path = tmp_path / "users.csv"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("users.csv", "email\na@x.io\n")
    refused("zip named .csv", path, "a zip archive, not an XLSX workbook")


@pytest.mark.parametrize(("name", "data"), [("empty", b""), ("blank", b" \n\t" * 40_000)])
def test_empty_and_blank_files_are_refused_alike(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(data)
    refused(name, path, "holds no users (the file is")


@pytest.mark.parametrize(("name", "data"), [("blank, gzip", b"\n" * 200_000), ("empty, gzip", b"")])
def test_a_complete_gzip_of_nothing_is_zero_users_alike(tmp_path: Path, name: str, data: bytes) -> None:
    """A complete gzip stream (end and checksum read) is no failed download: zero users (issue 14),
    empty or blank alike; cut short, it is refused."""
    path = tmp_path / "export.json.gz"
    path.write_bytes(gzip.compress(data))
    out = tmp_path / "out.json"
    rc, err, peak, _ = run_capped("convert", path, "-o", out)
    assert rc == 0 and out.read_bytes() == b"[]\n", err
    assert peak < 500
    path.write_bytes(gzip.compress(data)[:-4])
    refused(name + ", cut short", path, ("cannot be decompressed", "damaged or truncated"))


def test_a_gzip_of_one_user_repeated_to_2_gb(tmp_path: Path) -> None:
    """Every line a valid user, none blank or long: the compression ratio is what gives it away."""
    bomb = gzip_bomb(tmp_path / "export.json.gz", b"", ndjson([user(1)]).encode(), size=256 << 20)  # refused at 16 MB
    refused("one user repeated", bomb, "decompresses more than 100-fold")
