"""`convert`: any readable user file to NDJSON, JSON array, CSV or XLSX, streaming."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkedit.errors import UsageError
from bulkedit.io import detect
from bulkedit.io.atomic import refuse_overwriting_inputs
from bulkedit.io.parallel import byte_ranges
from bulkedit.io.read import Record, Source, reporting
from bulkedit.io.write import WriteResult, output_format, write_source_in_parts, write_users


@dataclass(frozen=True)
class ConvertResult:
    source: str
    source_format: str
    output: WriteResult
    renamed: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "source_format": self.source_format,
            "output": self.output.to_dict(),
            "renamed_columns": dict(self.renamed),
        }


def convert(
    source: Source, out: Path, *, to: str | None = None, columns: str | None = None, progress: Callable[[int], None] | None = None
) -> ConvertResult:
    """Write every user of `source` to `out` in the format `to` (or OUT's suffix).

    CSV/XLSX are sheets made for editing (bulkedit.sheet.layout): key columns first;
    `columns` ("user_id,email,user_metadata.plan") keeps only those fields. A large plain
    NDJSON going to NDJSON/JSON is converted on both cores. `progress(bytes read)` is
    called as the input is read (a progress bar).
    """

    def records() -> Iterator[Record]:
        return reporting(source.records(), source, progress)

    fmt = output_format(out, to)
    # a CSV's sidecar is part of the input: writing over it would retype the CSV
    refuse_overwriting_inputs(out, [source.path])  # (an input's sidecar is refused with it)
    if fmt in (detect.CSV, detect.XLSX):
        meta = source.provenance()
        if fmt == detect.CSV:
            meta["bom"] = True  # Excel opens a CSV as UTF-8 only when it starts with a BOM
        from bulkedit.sheet.layout import sheet_columns

        result = write_users(out, records, fmt, meta=meta, columns=sheet_columns(source, fmt, columns))
    else:
        if columns is not None:
            raise UsageError("--columns applies to CSV and XLSX output only")
        ranges = byte_ranges(source)
        if ranges is not None:
            result = write_source_in_parts(out, source, ranges, fmt)
        else:
            result = write_users(out, records, fmt)
    return ConvertResult(str(source.path), source.format, result, dict(source.renamed))
