"""Readers for every user file bulkedit accepts, streaming one user at a time.

`open_source(path)` detects the format from content and returns a `Source`;
`Source.records()` yields `Record(pos, user, raw)` where `pos` is the 1-based
line (NDJSON, JSON) or row counting the header (CSV, XLSX), `user` is the exact
JSON object, and `raw` is the user's original JSON bytes when `user` is exactly
what they say (so writers can copy them instead of encoding again), else None.

One module a format (ndjson, jsonarray, csvfile, workbook; table for what CSV and
XLSX share), with the file's bytes in stream, key and column names in names, a CSV's
sniffing in sniff, and what untyped cells show in evidence.
"""

from bulkedit.io.read.base import Record
from bulkedit.io.read.names import load_column_map
from bulkedit.io.read.source import Source, open_source, read_users, reporting
from bulkedit.io.read.stream import LineTooLong, file_sha256, ndjson_lines

__all__ = [
    "LineTooLong",
    "Record",
    "Source",
    "file_sha256",
    "load_column_map",
    "ndjson_lines",
    "open_source",
    "read_users",
    "reporting",
]
