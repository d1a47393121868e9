"""Writers: NDJSON, JSON array, CSV (+ type sidecar), XLSX (+ hidden type sheet).

Every writer writes to a temporary file and renames it into place, so a failure
leaves no partial output; files that hold password hashes or MFA secrets get
mode 0600.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bulkedit import privacy
from bulkedit.errors import UsageError
from bulkedit.io import detect as fmt
from bulkedit.io import jsonio, tabular
from bulkedit.io.atomic import atomic_file, sibling_temp
from bulkedit.io.read import Record, Source

RecordsFactory = Callable[[], Iterable[Record]]


@dataclass(frozen=True)
class WriteResult:
    path: Path
    format: str
    users: int
    private: bool

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "format": self.format, "users": self.users, "private": self.private}


def output_format(path: Path, to: str | None) -> str:
    """`--to` if given, else the format OUT's suffix names (`users.ndjson.gz`: ndjson, written gzip-compressed)."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{path} is a folder", hint="give -o a file name, for example edited.ndjson")
    if to:
        if to not in fmt.FORMATS:
            raise UsageError(f"unknown output format {to!r}", hint=f"use one of {', '.join(fmt.FORMATS)}")
        found: str | None = to
    else:
        found = fmt.format_for_suffix(path)
    if found is None:
        raise UsageError(
            f"cannot tell the output format from {path.name!r}",
            hint="give it a .ndjson, .json, .csv or .xlsx suffix (add .gz to compress), or pass --to",
        )
    if found == fmt.XLSX and is_gzip_name(path):
        raise UsageError(
            f"{path.name!r}: an XLSX workbook is compressed already and a spreadsheet cannot open it gzipped",
            hint="name the output .xlsx (without .gz)",
        )
    return found


def is_gzip_name(path: Path) -> bool:
    """OUT's name ends in .gz: the file is written gzip-compressed."""
    return path.suffix.lower() == ".gz"


def csv_delimiter(path: Path) -> str:
    """Tab for a `.tsv` (or `.tsv.gz`) output, else comma."""
    name = path.name.lower().removesuffix(".gz")
    return "\t" if name.endswith(".tsv") else ","


@contextlib.contextmanager
def open_output(path: Path | str, *, gz: bool) -> Iterator[IO[bytes]]:
    """A buffered binary file to write at `path`, gzip-compressed when `gz`."""
    with open(path, "wb", buffering=1 << 20) as raw:
        if not gz:
            yield raw
            return
        with gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=6, mtime=0) as z, io.BufferedWriter(
            z, 1 << 20  # type: ignore[arg-type]  # a GzipFile writes like a raw stream
        ) as buffered:
            yield buffered


def has_secret(user: dict[str, Any]) -> bool:
    return privacy.holds_secret(user)


def write_users(
    path: Path,
    records: RecordsFactory,
    format: str,
    *,
    meta: dict[str, Any] | None = None,
    columns: tabular.ColumnSet | None = None,
) -> WriteResult:
    """Write the users `records()` yields to `path` in `format`, atomically.

    CSV and XLSX read the records twice (once for the columns, once for the rows)
    unless `columns` is given, so memory stays flat for any number of users.
    """
    if format == fmt.NDJSON:
        return _write_json_lines(path, records(), array=False)
    if format == fmt.JSON:
        return _write_json_lines(path, records(), array=True)
    if format in (fmt.CSV, fmt.XLSX):
        xlsx = format == fmt.XLSX
        if columns is None:
            columns = tabular.ColumnSet.of(records(), xlsx=xlsx)
        if not columns.paths:
            # zero users: a header is what tells a CSV (or a workbook) of no users from an empty
            # (failed) download; user_id and email, the sheet's keys, so it can be edited and applied too
            columns.add_user({"user_id": "", "email": ""})
        return _write_table(path, records, columns, meta or {}, xlsx=xlsx)
    raise UsageError(f"unknown output format {format!r}")


def _write_json_lines(path: Path, records: Iterable[Record], *, array: bool) -> WriteResult:
    with atomic_file(path) as af, open_output(af.path, gz=is_gzip_name(path)) as out:
        if array:
            out.write(b"[")
        count, private = write_json_body(out, records, array=array, lead=b"\n" if array else b"")
        if array:
            out.write(b"\n]\n" if count else b"]\n")
        out.flush()
        af.private = private
    return WriteResult(path, fmt.JSON if array else fmt.NDJSON, count, private)


def write_json_body(out: IO[bytes], records: Iterable[Record], *, array: bool, lead: bytes = b"") -> tuple[int, bool]:
    """Users as NDJSON lines, or as JSON array elements one a line (`lead` before the first,
    `,\\n` between them, no brackets). Unchanged users are copied from their raw bytes.

    Returns (users written, whether any holds a secret).
    """
    count = 0
    private = False
    dumps = jsonio.dumps
    holds_secret = privacy.holds_secret
    write = out.write
    sep = lead
    end = b"" if array else b"\n"
    for rec in records:
        user = rec.user
        if not private and holds_secret(user):
            private = True
        data = rec.raw if rec.raw is not None else dumps(user)
        write(sep + data + end)
        if array:
            sep = b",\n"
        count += 1
    return count, private


def write_source_in_parts(path: Path, source: Source, ranges: list[tuple[int, int]], format: str) -> WriteResult:
    """NDJSON/JSON output of a large plain NDJSON source, its parts converted on both cores.

    This process writes the first part straight into the (atomic) output; each worker
    writes its part to a private file beside it, which is then appended in-kernel.
    """
    from bulkedit.io.parallel import run_ranges

    array = format == fmt.JSON
    gz = is_gzip_name(path)
    part_files: list[Path] = []
    try:
        for _ in ranges[1:]:
            part_files.append(sibling_temp(path, ".part"))
        with atomic_file(path) as af:
            # gzip: each part is a gzip member of its own; members one after another are one gzip file

            def convert_range(start: int, end: int) -> tuple[int, bool, dict[str, str]]:
                first = start == ranges[0][0]
                target = af.path if first else part_files[[r[0] for r in ranges].index(start) - 1]
                with open_output(target, gz=gz) as part:
                    if first and array:
                        part.write(b"[")
                    lead = b"\n" if first and array else b""
                    n, private = write_json_body(part, source.records_range(start, end), array=array, lead=lead)
                return n, private, dict(source.renamed)

            results = run_ranges(convert_range, ranges)
            count = results[0][0]
            with open(af.path, "ab") as out:
                for (n, _, _), part in zip(results[1:], part_files):
                    if n:
                        if array:
                            _write_piece(out, b",\n" if count else b"\n", gz)
                        with open(part, "rb") as src:  # (append_file flushes `out` first)
                            append_file(src, out)
                    count += n
                if array:
                    _write_piece(out, b"\n]\n" if count else b"]\n", gz)
            af.private = any(r[1] for r in results)
        for _, _, renamed in results:
            source.renamed.update(renamed)
        return WriteResult(path, fmt.JSON if array else fmt.NDJSON, count, af.private)
    finally:
        for part in part_files:
            part.unlink(missing_ok=True)


def _write_piece(out: IO[bytes], data: bytes, gz: bool) -> None:
    out.write(gzip.compress(data, mtime=0) if gz else data)


def append_file(src: IO[bytes], dst: IO[bytes]) -> None:
    """Append all of `src` to `dst` (both real files), in the kernel where it can."""
    dst.flush()
    try:
        while os.copy_file_range(src.fileno(), dst.fileno(), 1 << 30):
            pass
    except (AttributeError, OSError):  # no copy_file_range here: copy through memory
        while chunk := src.read(1 << 20):
            dst.write(chunk)


def _write_table(
    path: Path, records: RecordsFactory, columns: tabular.ColumnSet, meta: dict[str, Any], *, xlsx: bool
) -> WriteResult:
    paths = columns.paths
    kinds = list(columns.kinds.values())
    state = {"count": 0, "private": False}

    def rows() -> Iterator[list[Any]]:
        for rec in records():
            if not state["private"] and has_secret(rec.user):
                state["private"] = True
            state["count"] += 1
            yield tabular.flatten_row(rec.user, paths)

    full_meta = {"bulkedit": "1", **meta}
    if columns.key_order:
        full_meta["key_order"] = columns.key_order
    with atomic_file(path) as af:
        if xlsx:
            from bulkedit.io.xlsx import write_workbook

            write_workbook(af.path, columns, rows(), full_meta)
        else:
            # meta["bom"]: a sheet made for editing starts with a BOM, or Excel reads UTF-8 as ANSI
            with open_output(af.path, gz=is_gzip_name(path)) as raw, io.TextIOWrapper(
                raw, encoding="utf-8-sig" if meta.get("bom") else "utf-8", newline=""
            ) as out:
                writer = csv.writer(out, delimiter=csv_delimiter(path), lineterminator="\r\n")
                # a header is a cell too: a key named `-` or `=cmd` must not become a formula
                writer.writerow([tabular.neutralise(h) for h in columns.headers()])
                encode = tabular.encode_text
                for values in rows():
                    writer.writerow([encode(v, k) for v, k in zip(values, kinds)])
            side = tabular.sidecar_path(path)
            body = json.dumps({**full_meta, "columns": columns.to_meta()}, ensure_ascii=False, indent=1)
            with atomic_file(side) as sf:
                Path(sf.path).write_text(body + "\n", encoding="utf-8")
        af.private = bool(state["private"])
    return WriteResult(path, fmt.XLSX if xlsx else fmt.CSV, int(state["count"]), bool(state["private"]))
