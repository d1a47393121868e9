"""Tell a file's format from its content: gzip, XLSX, JSON array, NDJSON, CSV/TSV."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path

from bulkedit.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
BOM = b"\xef\xbb\xbf"

NDJSON = "ndjson"
JSON = "json"
CSV = "csv"
XLSX = "xlsx"
FORMATS = (NDJSON, JSON, CSV, XLSX)

_SUFFIX_FORMATS = {
    ".ndjson": NDJSON,
    ".jsonl": NDJSON,
    ".json": JSON,
    ".csv": CSV,
    ".tsv": CSV,
    ".txt": CSV,
    ".xlsx": XLSX,
}


@dataclass(frozen=True)
class Detected:
    format: str
    compressed: bool
    bom: bool


def format_for_suffix(path: Path) -> str | None:
    """The format a file name asks for (`users.json.gz` -> json), or None."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return _SUFFIX_FORMATS.get(suffixes[-1]) if suffixes else None


def detect(path: Path) -> Detected:
    """Inspect the first bytes of `path` (after gunzip) and name its format."""
    if not path.exists():
        raise InputError(f"{path}: no such file", hint="check the path")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a file", hint="name a file")
    try:
        with open(path, "rb") as f:
            head = f.read(65536)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})", hint="check the file's permissions") from None
    compressed = head.startswith(GZIP_MAGIC)
    if compressed:
        try:
            with gzip.open(path, "rb") as g:
                head = g.read(65536)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(
                f"{path}: looks gzip-compressed but cannot be decompressed ({exc})",
                hint="download the export again; the file may be truncated",
            ) from None
    named = format_for_suffix(path)
    if head.startswith(ZIP_MAGIC):
        return Detected(XLSX, compressed, False)
    if named == XLSX:
        raise InputError(
            f"{path} is named .xlsx but is not an XLSX workbook",
            hint="save it from the spreadsheet as 'Excel Workbook (.xlsx)', or rename it to its real type",
        )
    bom = head.startswith(BOM)
    text = head[3:] if bom else head
    if b"\x00" in text:
        raise InputError(
            f"{path}: unknown format (binary content, or a UTF-16 text file)",
            hint="bulkedit reads UTF-8 NDJSON, JSON, CSV and XLSX, optionally gzip-compressed",
        )
    first = text.lstrip()[:1]
    if first == b"[":
        return Detected(JSON, compressed, bom)
    if first == b"{" or first == b"":
        return Detected(NDJSON, compressed, bom)
    return Detected(CSV, compressed, bom)
