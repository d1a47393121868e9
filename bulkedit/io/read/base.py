"""What every reader shares: a record, a table column, and the file with what detection and reading found.

The format readers (ndjson, jsonarray, csvfile, workbook) build on `SourceBase`; `source.Source` joins them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

from bulkedit.errors import InputError
from bulkedit.io import jsonio, limits
from bulkedit.io.read.stream import Counting, CountingGzip, file_sha256


class Record(NamedTuple):
    pos: int
    user: dict[str, Any]
    raw: bytes | None


#: `_new_record(Record, (pos, user, raw))` builds a Record without NamedTuple's Python-level __new__.
_new_record = tuple.__new__


@dataclass
class Column:
    """A CSV/XLSX column: its header, the field path it fills, and how its cells are typed."""

    header: str
    path: tuple[str | int, ...]
    kind: str | None  # a tabular kind; None: infer from the cell (file without type information)
    #: untyped file: every non-empty cell of the first rows is JSON, with a list or object among them
    json: bool = False


@dataclass
class SourceBase:
    """One input file, with what detection found and what reading it learnt; shared by every format's reader."""

    path: Path
    format: str
    compressed: bool
    bom: bool = False
    column_map: dict[str, str] | None = None
    #: original column or key name -> Auth0 field path it was read as (filled while reading)
    renamed: dict[str, str] = field(default_factory=dict)
    #: CSV/XLSX: the columns, and whether the cells carry bulkedit's type information
    columns: list[Column] = field(default_factory=list)
    typed: bool = False
    auth0_escaped: bool = False
    delimiter: str = ","
    meta: dict[str, Any] = field(default_factory=dict)
    bytes_read: int = 0
    #: blank lines or empty rows met so far (limits.MAX_BLANK_LINES)
    _blanks: int = field(default=0, repr=False)
    #: a typed sheet's recorded top-level key order: key -> place (see tabular.ColumnSet.key_order)
    _key_rank: dict[str, int] = field(default_factory=dict, repr=False)
    #: the column indices in that order (None: the columns' own), set when the rows are read
    _row_order: list[int] | None = field(default=None, repr=False)
    _sha256: str | None = field(default=None, repr=False)
    #: key or header -> the field path it fills (a file has a few keys, seen on every user)
    _targets: dict[str, tuple[str | int, ...]] = field(default_factory=dict, repr=False)
    #: `column_map` entries that matched a key or column, and whether unused ones were reported
    _map_used: set[str] = field(default_factory=set, repr=False)
    _map_warned: bool = field(default=False, repr=False)
    #: a CSV beside a sidecar quotes strings as Auth0's export does (which bulkedit never writes)
    _auth0_quoting: bool = field(default=False, repr=False)

    def where(self, pos: int | None) -> str:
        return f"{self.path}:{pos}" if pos is not None else str(self.path)

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def sha256(self) -> str:
        """The file's sha256 (computed once: a command may need it twice)."""
        if self._sha256 is None:
            self._sha256 = file_sha256(self.path)
        return self._sha256

    def provenance(self) -> dict[str, Any]:
        """What a sheet records about the export it was made from (checked when it comes back)."""
        return {"source": self.path.name, "source_sha256": self.sha256(), "source_format": self.format}


    # -- opening ------------------------------------------------------------------

    def open_binary(self) -> IO[bytes]:
        """The file's (decompressed) bytes; reading counts `bytes_read` (for progress)."""
        raw = open(self.path, "rb")  # noqa: SIM115 - closed by the caller's with-block
        if self.compressed:
            return CountingGzip(raw, self)  # type: ignore[return-value]  # a raw binary stream
        return Counting(raw, self)  # type: ignore[return-value]

    def _error(self, message: str, pos: int | None = None, hint: str | None = None) -> InputError:
        return InputError(message, where=self.where(pos), hint=hint)


    # -- checks every format makes ------------------------------------------------

    def _count_blank(self, pos: int) -> None:
        """Count a blank line or empty row; refuse a file of more of them than a sheet has rows."""
        self._blanks += 1
        if self._blanks > limits.MAX_BLANK_LINES:
            raise self._error(
                f"more than {limits.MAX_BLANK_LINES:,} blank lines (or empty rows): a user file has a few at most",
                pos,
                "this is not an export (or it was damaged): get the file again",
            )

    def _check_json(self, raw: bytes | str, user: dict[str, Any], pos: int) -> None:
        """Refuse a user whose JSON repeats a key in one object or nests too deeply (see jsonio.check_parsed)."""
        try:
            jsonio.check_parsed(raw, user)
        except jsonio.JSONError as exc:
            raise self._json_refusal(exc, pos) from None

    def _json_refusal(self, exc: jsonio.JSONError, pos: int) -> InputError:
        """The InputError for a repeated key (DuplicateKey) or too deep nesting (TooDeep)."""
        if isinstance(exc, jsonio.DuplicateKey):
            return self._error(
                f"the key {exc.key!r} appears twice in one JSON object; which of the two values Auth0 would take"
                " is not documented",
                pos,
                "keep one of the two and delete the other, then run the command again",
            )
        return self._error(
            exc.msg,
            pos,
            "flatten that metadata (Auth0 metadata is a few levels deep), or leave the user out of the file",
        )
