"""Tell a file's format from its content: gzip, XLSX, JSON array, NDJSON, CSV/TSV."""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkedit.errors import InputError
from bulkedit.io import jsonio, limits

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
    if len(head) == 65536 and not text.strip():
        text = _first_content(path, compressed, len(head)) or text
    if b"\x00" in text:
        raise InputError(
            f"{path}: unknown format (binary content, or a UTF-16 text file)",
            hint="bulkedit reads UTF-8 NDJSON, JSON, CSV and XLSX, optionally gzip-compressed",
        )
    body = text.lstrip()
    first = body[:1]
    if not first:  # empty, or blank space only (however much: `_first_content` looked to the end)
        if compressed or named == NDJSON:
            # zero users, as bulkedit writes them: a complete gzip stream (its end and checksum read)
            # is no failed download, and neither is an NDJSON file named so (docs: formats, zero users)
            return Detected(NDJSON, compressed, bom)
        raise InputError(
            f"{path} holds no users (the file is {'empty' if not text else 'only blank space'})",
            hint="a failed or interrupted download leaves an empty file: download the export again"
            " (a file of zero users is an empty .ndjson, [] in a .json, a CSV header, or a gzip stream)",
        )
    if first == b"[":
        return Detected(JSON, compressed, bom)
    if first == b"{" or first == b"":
        return Detected(NDJSON, compressed, bom)
    if first == b"<":
        raise InputError(
            f"{path} is an HTML or XML document ({_first_words(body)}), not a user file",
            hint="this is often an error page saved instead of the export (an expired download link): download it again",
        )
    scalar = _json_scalar(body, whole=len(head) < 65536)
    if scalar is not None:
        raise InputError(
            f"{path} holds a single JSON {scalar}, not users",
            hint="bulkedit reads NDJSON (one user object a line), a JSON array of users, CSV or XLSX",
        )
    return Detected(CSV, compressed, bom)


def _first_content(path: Path, compressed: bool, skip: int) -> bytes | None:
    """The first block of `path` (after `skip` bytes of blank space) that holds more than blank
    space, from its first non-blank byte; None when only blank space follows. A blank gzip
    stream is read under the decompression-ratio limit."""
    with open(path, "rb") as raw:
        f: Any = RatioLimited(gzip.GzipFile(fileobj=raw, mode="rb"), raw, path) if compressed else raw
        try:
            f.read(skip)
            while block := f.read(1 << 20):
                body = block.lstrip()
                if body:
                    return body + f.read(65536)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{path}: the gzip stream is damaged or truncated ({exc})", hint="download the export again") from None
    return None


class RatioLimited:
    """A decompressing reader that refuses to expand more than limits.MAX_RATIO-fold (a decompression bomb)."""

    def __init__(self, stream: Any, raw: Any, path: Path) -> None:
        self._stream = stream
        self._raw = raw
        self._path = path
        self.out = 0

    def read(self, n: int = -1) -> bytes:
        data = self._stream.read(n)
        self.out += len(data)
        limits.check_ratio(self.out, self._raw.tell(), str(self._path))
        return data


def _first_words(body: bytes) -> str:
    text = body[:60].decode("utf-8", "replace").split("\n", 1)[0].strip()
    return repr(text + ("..." if len(body) > len(text) else ""))


def _json_scalar(body: bytes, *, whole: bool) -> str | None:
    """'number 42' (the JSON type and value) when the whole file is one JSON scalar, else None."""
    if not whole or len(body) > 1000:
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return None
    if isinstance(value, (dict, list)):
        return None
    kind = jsonio.json_type(value).removeprefix("a ")
    return kind if value is None else f"{kind} {body.strip()[:40].decode('utf-8', 'replace')}"
