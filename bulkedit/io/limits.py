"""How large an input may be, set from what an Auth0 user is; past these, readers refuse (exit 2).

Each limit names the fact it comes from (docs/limits.md explains them). Past one, a reader
stops with the place and the limit, having read at most that much: a hostile or broken
file (a decompression bomb, a 2 GB cell, a sheet that claims row 2,000,000,000) costs
bounded memory and time, not the machine.
"""

from __future__ import annotations

from typing import Final

from bulkedit.errors import InputError

#: The most bytes one user may take in any file: a line of NDJSON, an element of a JSON
#: array, a row of a CSV. Auth0 refuses an import file over 511,000 bytes and advises
#: profiles under 10 KB; 4 MiB is 8 times what any import can carry.
MAX_USER_BYTES: Final = 4 << 20

#: The most characters of one CSV cell: no cell holds more than a whole user.
MAX_CSV_CELL: Final = MAX_USER_BYTES

#: The most characters of one spreadsheet cell (Excel's limit; bulkedit's writer refuses more).
MAX_XLSX_CELL: Final = 32_767
#: A cell's text in the XML, where `_xHHHH_` escapes (7 characters for one) may lengthen it.
MAX_XLSX_CELL_XML: Final = 7 * MAX_XLSX_CELL

#: The rows and columns a spreadsheet sheet has (Excel: 1,048,576 rows, columns A to XFD).
MAX_SHEET_ROWS: Final = 1_048_576
MAX_SHEET_COLUMNS: Final = 16_384

#: Blank lines (or empty rows) a file may hold, all together: no more than a sheet has rows.
#: An export has none; a file of little else is not one.
MAX_BLANK_LINES: Final = MAX_SHEET_ROWS

#: gzip and zip: user data compresses 3 to 15-fold (random ids and hashes do not compress);
#: a stream that expands more than 100-fold is refused once 16 MB have come out of it.
MAX_RATIO: Final = 100
RATIO_FLOOR: Final = 16 << 20


def mb(n: int) -> str:
    """`n` bytes in MB, for messages."""
    return f"{n / 1e6:,.1f}"


def check_ratio(out: int, compressed: int, where: str) -> None:
    """Refuse a stream that made `out` bytes out of `compressed` when that is more than MAX_RATIO-fold."""
    if out > RATIO_FLOOR and out > MAX_RATIO * max(compressed, 1):
        raise InputError(
            f"it decompresses more than {MAX_RATIO}-fold ({mb(out)} MB out of {mb(compressed)} MB so far):"
            " user data does not compress that much; refused as a decompression bomb",
            where=where,
            hint="if the file is genuine, decompress it yourself (gunzip) and give bulkedit the result",
        )
