"""Reading a sheet back as cells: rows by key, columns with their recorded types, file-level damage.

The foundation reader turns rows into users; the round trip needs the cells as the
spreadsheet left them (text, or XLSX numbers and dates) to tell a person's edit
from a spreadsheet's damage, so rows are read through the same Source machinery
(delimiter sniffing, Auth0 escaping, sidecar/hidden-sheet types, renamed headers)
but kept as cells.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulkedit.errors import InputError
from bulkedit.io import detect as fmt
from bulkedit.io import tabular
from bulkedit.io.read import Record, Source, reporting
from bulkedit.io.read.base import Column
from bulkedit.paths import MISSING, format_path
from bulkedit.sheet import damage
from bulkedit.sheet.damage import Damage

_CELLS = "\x00cells"


class _CellSource(Source):
    """A Source whose records carry a row's raw cells instead of a user."""

    def _row_user(self, cells: list[Any], row: int, *, guarded: bool) -> dict[str, Any]:
        return {_CELLS: cells}

    def _refuse_untyped_sheet(self, sample: list[tuple[int, list[Any]]]) -> None:
        """Kept: its cells are compared with what convert wrote for the backup (a sheet-untyped warning says so)."""


@dataclass
class SheetRow:
    row: int
    cells: list[Any]

    def key(self, index: int, key: str, *, quoted: bool) -> str | None:
        """The join key in cell `index` (`quoted`: a text cell first loses its leading `'`, see Sheet.quoted)."""
        cell = self.cells[index] if index < len(self.cells) else None
        if quoted and type(cell) is str:
            cell = tabular.unneutralise(cell)
        return key_value(cell, key)


@dataclass
class Sheet:
    """A sheet's rows keyed by the join key, its columns, its recorded meta and file-level findings."""

    path: Path
    format: str
    key: str
    columns: list[Column]
    rows: dict[str, SheetRow]
    keyless: list[SheetRow]
    duplicates: list[tuple[str, int, int]]
    meta: dict[str, Any]
    typed: bool
    findings: list[Damage] = field(default_factory=list)
    blank_rows: int = 0
    #: Auth0's escaped export (its CSV, or that CSV saved as XLSX): a leading `'` marks a string
    #: cell, whatever the column holds elsewhere.
    auth0_escaped: bool = False

    @property
    def xlsx(self) -> bool:
        return self.format == fmt.XLSX

    @property
    def guarded(self) -> bool:
        """Text cells carry bulkedit's formula-injection guard (a CSV bulkedit wrote; an XLSX cell is typed text)."""
        return self.format == fmt.CSV and self.typed

    @property
    def quoted(self) -> bool:
        return quoted(self.format, typed=self.typed, auth0_escaped=self.auth0_escaped)

    def where(self, row: int | None) -> str:
        return f"{self.path}:{row}" if row is not None else str(self.path)

    def recorded_columns(self) -> set[str] | None:
        """The names of the columns the type record types (None: the sheet has no type record)."""
        if not self.typed:
            return None
        return {c["name"] for c in self.meta.get("columns", []) if isinstance(c, dict) and isinstance(c.get("name"), str)}

    @property
    def source_sha256(self) -> str | None:
        value = self.meta.get("source_sha256")
        return value if isinstance(value, str) else None


def quoted(format: str, *, typed: bool, auth0_escaped: bool) -> bool:
    """A text cell's one leading `'` is no part of its value: bulkedit's guard in a CSV it wrote,
    or Auth0's escaping. Anywhere else (a Dashboard export, a hand-made sheet) it is text."""
    return (format == fmt.CSV and typed) or auth0_escaped


def key_value(value: Any, key: str) -> str | None:
    """The join key of a user's (or row's) key value: user_id as is, email case-insensitive."""
    if value is None or value is MISSING:
        return None
    text = value if type(value) is str else str(value)
    text = text.strip()
    if not text:
        return None
    return text.lower() if key == "email" else text


def read_sheet(
    path: Path, *, key: str = "user_id", workdir: Path | None = None, progress: Callable[[int], None] | None = None
) -> Sheet:
    """Read `path` (a CSV or XLSX sheet) into rows keyed by `key`, noting file-level damage.

    A CSV that is not UTF-8 is read as cp1252 (Excel's 'CSV' on Western Windows)
    from a UTF-8 copy in `workdir`, with an `encoding` finding.
    """
    path = Path(path)
    found = fmt.detect(path)
    if found.format not in (fmt.CSV, fmt.XLSX):
        raise InputError(
            f"a sheet must be a CSV or XLSX file, this is {found.format}",
            where=str(path),
            hint="make one with `bulkedit convert BACKUP -o users.xlsx`",
        )
    findings: list[Damage] = []
    read_path = path
    if found.format == fmt.CSV:
        read_path = _utf8_copy(path, found.compressed, findings, workdir)
    try:
        source = _CellSource(path=read_path, format=found.format, compressed=found.compressed and read_path == path, bom=found.bom)
        rows: dict[str, SheetRow] = {}
        keyless: list[SheetRow] = []
        duplicates: list[tuple[str, int, int]] = []
        blank = 0
        key_index: int | None = None
        unquote = False
        # an XLSX counts rows, not bytes, as it reads: its bar moves when it is read whole
        records: Iterator[Record] = reporting(source.records(), source, None if found.format == fmt.XLSX else progress)
        for rec in records:
            if key_index is None:
                key_index = _key_column(source, key, path)
                unquote = quoted(found.format, typed=source.typed, auth0_escaped=source.auth0_escaped)
            item = SheetRow(rec.pos, rec.user[_CELLS])
            if all(c is None or c == "" for c in item.cells):
                blank += 1  # an empty row a person left: no user, with or without --allow-new
                continue
            k = item.key(key_index, key, quoted=unquote)
            if k is None:
                keyless.append(item)
            elif k in rows:
                duplicates.append((k, rows[k].row, rec.pos))
            else:
                rows[k] = item
        if key_index is None and source.columns:  # no data rows: still check the header names the key
            _key_column(source, key, path)
    finally:
        if read_path != path:
            shutil.rmtree(read_path.parent, ignore_errors=True)  # rows are in memory now
    if progress is not None:
        progress(path.stat().st_size)
    meta = dict(source.meta or {})
    if found.format == fmt.CSV:
        _csv_findings(source, found.bom, meta, findings)
    return Sheet(
        path=path,
        format=found.format,
        key=key,
        columns=list(source.columns),
        rows=rows,
        keyless=keyless,
        duplicates=duplicates,
        meta=meta,
        typed=source.typed,
        findings=findings,
        blank_rows=blank,
        auth0_escaped=source.auth0_escaped,
    )


def _key_column(source: Source, key: str, path: Path) -> int:
    for i, col in enumerate(source.columns):
        if col.path == (key,):
            return i
    headers = ", ".join(repr(c.header) for c in source.columns[:8])
    raise InputError(
        f"the sheet has no {key!r} column to match rows to users (columns: {headers})",
        where=f"{path}:1",
        hint=f"keep the {key} column as `convert` made it, or pass --key {'email' if key == 'user_id' else 'user_id'}",
    )


def _utf8_copy(path: Path, compressed: bool, findings: list[Damage], workdir: Path | None) -> Path:
    """`path` itself when it is UTF-8; else a UTF-8 copy (read as cp1252) and an `encoding` finding."""
    opener = gzip.open if compressed else open
    with opener(path, "rb") as f:
        data = f.read()
    try:
        data.decode("utf-8")
        return path
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
    try:
        text = data.decode("cp1252")
        enc = "cp1252"
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        enc = "latin-1"
    findings.append(
        Damage(
            damage.ENCODING,
            row,
            None,
            f"the file is not UTF-8 (byte 0x{bad} on row {row}); read as {enc}: characters {enc} cannot hold"
            " (most non-Latin scripts) were lost when the spreadsheet saved it",
        )
    )
    tmp = Path(tempfile.mkdtemp(prefix="bulkedit-sheet-", dir=workdir))
    copy = tmp / path.name.removesuffix(".gz")
    copy.write_text(text, encoding="utf-8", newline="")
    side = tabular.sidecar_path(path)
    if side.exists():
        shutil.copyfile(side, tabular.sidecar_path(copy))
    return copy


def _csv_findings(source: Source, bom: bool, meta: dict[str, Any], findings: list[Damage]) -> None:
    if not source.typed:
        return  # not made by `convert`: nothing to compare the file's form with
    made_with_bom = bool(meta.get("bom", False))
    if bom and not made_with_bom:
        findings.append(Damage(damage.BOM_ADDED, 1, None, "the file now starts with a UTF-8 byte order mark; it was saved by a spreadsheet"))
    elif made_with_bom and not bom:
        findings.append(Damage(damage.BOM_LOST, 1, None, "the file lost its UTF-8 byte order mark; it was saved by another program"))
    if source.delimiter == ";":
        findings.append(
            Damage(damage.SEMICOLON, 1, None, "the separator is now ';': a spreadsheet with a decimal-comma locale saved it")
        )


def column_name(col: Column) -> str:
    return col.header if col.header else format_path(col.path)
