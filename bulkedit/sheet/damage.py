"""What a spreadsheet does to data when a person opens a CSV/XLSX and saves it again.

Each check looks at one cell that differs from the backup (or belongs to a new
row) and says whether the difference is the work of the spreadsheet rather than
of the person: `02134` -> `2134` in a text column, `12345678901234567890` ->
`1.23457E+19`, `2024-01-02T03:04:05.000Z` -> `1/2/2024 3:04`, `true` -> `TRUE`,
straight quotes turned curly, text re-encoded. The backup value, when there is
one, says what the cell was; without it (new rows) only the unmistakable shapes
are flagged. File-level checks (encoding, BOM, separator) live in `sheet.read`.

Codes are stable: `--accept-damage CODE` names them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Final

from bulkedit.io import jsonio, tabular
from bulkedit.paths import MISSING

LEADING_ZEROS: Final = "leading-zeros"
SCIENTIFIC: Final = "scientific-notation"
PRECISION: Final = "number-precision"
DATE: Final = "date-rewritten"
BOOLEAN_CASE: Final = "boolean-case"
SMART_QUOTES: Final = "smart-quotes"
DECIMAL_COMMA: Final = "decimal-comma"
MOJIBAKE: Final = "mojibake"
ENCODING: Final = "encoding"
BOM_ADDED: Final = "bom-added"
BOM_LOST: Final = "bom-lost"
SEMICOLON: Final = "semicolon-separator"
LINE_BREAKS: Final = "line-breaks"
TEXT_TO_DATE: Final = "text-to-date"
TRAILING_ZEROS: Final = "trailing-zeros"
PLUS_LOST: Final = "plus-sign-lost"

#: code -> (refused unless accepted?, what it means). Warnings are reported, never refused:
#: a BOM or a separator changes how the file is stored, not a value.
CODES: Final[dict[str, tuple[bool, str]]] = {
    LEADING_ZEROS: (True, "leading zeros dropped from digits kept as text"),
    SCIENTIFIC: (True, "a long number turned into scientific notation"),
    PRECISION: (True, "a long number cut to 15 significant digits"),
    DATE: (True, "a date/time rewritten in the spreadsheet's own format"),
    BOOLEAN_CASE: (True, "true/false in a text column turned into TRUE/FALSE"),
    SMART_QUOTES: (True, "straight quotes turned into curly ones"),
    DECIMAL_COMMA: (True, "a number written with a decimal comma"),
    MOJIBAKE: (True, "UTF-8 text read as another encoding (Ã© for é)"),
    LINE_BREAKS: (True, "line breaks inside a cell rewritten (CRLF saved as LF, or the reverse)"),
    TEXT_TO_DATE: (True, "text that looks like a day and month turned into a date (1-2 -> 2-Jan)"),
    TRAILING_ZEROS: (True, "a decimal kept as text lost its trailing zeros (2.0 -> 2)"),
    PLUS_LOST: (True, "digits kept as text lost their leading + (+14155550100 -> 14155550100)"),
    ENCODING: (True, "the file was saved in an encoding other than UTF-8; characters may be lost"),
    BOM_ADDED: (False, "a UTF-8 byte order mark was added (Excel's 'CSV UTF-8'); harmless"),
    BOM_LOST: (False, "the UTF-8 byte order mark was removed"),
    SEMICOLON: (False, "the separator became ';' (a spreadsheet with a comma decimal locale)"),
}


@dataclass(frozen=True)
class Damage:
    """One suspicious cell (or file-level finding when `column` is None)."""

    code: str
    row: int | None
    column: str | None
    message: str
    cell: str | None = None
    was: Any = MISSING

    @property
    def refused(self) -> bool:
        return CODES[self.code][0]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "row": self.row, "column": self.column, "message": self.message}
        if self.cell is not None:
            out["cell"] = self.cell
        if self.was is not MISSING:
            out["was"] = self.was
        return out


_SCI = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]{1,3}")
_DIGITS = re.compile(r"[0-9]+")
_DIGIT = re.compile(r"[0-9]")
_NUMBERISH = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?(?:[eE][+-]?[0-9]+)?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?")
_SHEET_DATE = re.compile(
    r"(?:[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-][0-9]{2,4}|[0-9]{4}[/.][0-9]{1,2}[/.][0-9]{1,2}|[0-9]{4}-[0-9]{2}-[0-9]{2})"
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?(?: ?[AaPp][Mm])?)?"
)
_SHEET_DATETIME = re.compile(r"[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-][0-9]{2,4}[ T][0-9]{1,2}:[0-9]{2}.*")
_DECIMAL_COMMA = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{3})*,[0-9]+|-?[0-9]+,[0-9]+")
_SMART = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2032": "'"})
_MOJIBAKE_HINT = re.compile("[\u00c2\u00c3\u00c5\u00e2][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]")


def _text(cell: Any) -> str:
    if type(cell) is str:
        return cell
    if type(cell) is bool:
        return "TRUE" if cell else "FALSE"
    if type(cell) is float and cell.is_integer() and abs(cell) < 1e16:
        return str(int(cell))
    return str(cell)


def check_cell(cell: Any, kind: str, old: Any) -> tuple[str, str] | None:
    """(code, message) when `cell` looks damaged by a spreadsheet, else None.

    `cell` is what the sheet holds (text for CSV; str/int/float/bool/datetime for
    XLSX), `kind` the column's recorded type, `old` the backup's value (MISSING
    when the user had none or the row is new). Only called for cells that differ.
    """
    if cell is None or cell == "":
        return None
    if isinstance(cell, (datetime, date, time)):
        if type(old) is str and _day_months(old):
            return TEXT_TO_DATE, f"holds a spreadsheet date ({cell}) where the text {old!r} was"
        if kind in (tabular.STRING, tabular.JSON) or type(old) is str:
            return DATE, f"holds a spreadsheet date ({cell}) where text was{_was(old)}"
        return None
    text = _text(cell)
    old_is_text = type(old) is str
    # leading zeros: 02134 -> 2134 (or 2134.0 in XLSX)
    if old_is_text and len(old) > 1 and old[0] == "0" and _DIGITS.fullmatch(old):
        stripped = old.lstrip("0") or "0"
        if text == stripped or (type(cell) in (int, float) and cell == int(old)):
            return LEADING_ZEROS, f"{text!r} was {old!r}: the spreadsheet dropped the leading zeros"
    # long numbers: scientific notation, or digits past the 15th replaced by zeros
    if type(cell) is str and _SCI.fullmatch(text.strip()) and _scientific_damage(text.strip(), kind, old):
        return SCIENTIFIC, f"{text!r} is a number in scientific notation{_was(old)}: digits were lost"
    if type(cell) is float and kind in (tabular.INTEGER, tabular.STRING, tabular.JSON) and abs(cell) >= 2**53:
        return PRECISION, f"{cell!r} is beyond the 15 significant digits a spreadsheet keeps{_was(old)}"
    old_digits = str(old) if (type(old) is int or (old_is_text and _DIGITS.fullmatch(old.lstrip("-")))) else None
    if (
        old_digits is not None
        and len(old_digits.lstrip("-")) > 15
        and _DIGITS.fullmatch(text.lstrip("-"))
        and text != old_digits
        and int(text) in _fifteen_digits(old_digits)
    ):
        return PRECISION, f"{text!r} was {old_digits!r}: the spreadsheet kept only 15 significant digits"
    # numeric-looking text read as a number: 2.0 -> 2, +14155550100 -> 14155550100
    if old_is_text and text != old:
        if _TRAILING.fullmatch(old) and text == _general(old):
            return TRAILING_ZEROS, f"{text!r} was {old!r}: the spreadsheet read the text as a number and dropped its zeros"
        if _PLUS.fullmatch(old) and text == old[1:]:
            return PLUS_LOST, f"{text!r} was {old!r}: the spreadsheet read the text as a number and dropped its +"
        days = _day_months(old)
        if days and days & _sheet_day_months(text, old):
            return TEXT_TO_DATE, f"{text!r} was {old!r}: the spreadsheet read the text as a date"
    # dates rewritten: 2024-01-02T03:04:05.000Z -> 1/2/2024 3:04
    if (
        old_is_text
        and _ISO_DATE.fullmatch(old)
        and text != old
        and _SHEET_DATE.fullmatch(text.strip())
        and not _same_iso_form(text, old)  # 1990-05-17 -> 1990-05-18: a person's edit; no spreadsheet writes that
    ):
        return DATE, f"{text!r} was {old!r}: the spreadsheet rewrote the date"
    if old is MISSING and kind in (tabular.STRING, tabular.JSON) and _SHEET_DATETIME.fullmatch(text.strip()):
        return DATE, f"{text!r} looks like a date/time in a spreadsheet's format, not ISO 8601"
    # TRUE for true
    if text in ("TRUE", "FALSE") and kind != tabular.BOOLEAN:
        if old_is_text and old == text.lower():
            return BOOLEAN_CASE, f"{text!r} was {old!r}: the spreadsheet turned text into a boolean"
        if kind == tabular.JSON and type(old) is bool:
            return BOOLEAN_CASE, f"{text!r} is not JSON (was {_show(old)})"
        if kind == tabular.STRING and old is MISSING:
            return BOOLEAN_CASE, f"{text!r} in a text column: a spreadsheet's boolean, not the text 'true'/'false'"
    # smart quotes
    if any(c in text for c in "\u2018\u2019\u201c\u201d\u201e"):
        straight = text.translate(_SMART)
        if old_is_text and straight == old:
            return SMART_QUOTES, f"{text!r} was {old!r}: straight quotes became curly"
        if kind == tabular.JSON and _is_json(straight) and not _is_json(text):
            return SMART_QUOTES, f"{text!r} is JSON with curly quotes{_was(old)}"
    # decimal comma in a number column
    if kind in (tabular.NUMBER, tabular.INTEGER) and _DECIMAL_COMMA.fullmatch(text.strip()):
        return DECIMAL_COMMA, f"{text!r} uses a decimal comma{_was(old)}"
    # line breaks inside a cell: CRLF saved as LF (or the reverse)
    if old_is_text and text != old and ("\r" in old or "\r" in text) and text.replace("\r\n", "\n") == old.replace("\r\n", "\n"):
        return LINE_BREAKS, f"{text!r} was {old!r}: the line breaks inside the cell were rewritten"
    # text re-encoded
    if old_is_text and text != old and type(cell) is str:
        for enc in ("cp1252", "latin-1"):
            try:
                if text.encode(enc).decode("utf-8") == old:
                    return MOJIBAKE, f"{text!r} was {old!r}: UTF-8 read as {enc}"
            except (UnicodeEncodeError, UnicodeDecodeError):
                pass
        if "?" in text and old.encode("cp1252", "replace").decode("cp1252") == text:
            return ENCODING, f"{text!r} was {old!r}: characters the file's encoding cannot hold became '?'"
    if old is MISSING and type(cell) is str and _MOJIBAKE_HINT.search(text):
        try:
            fixed = text.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            fixed = None
        if fixed is not None and fixed != text:
            return MOJIBAKE, f"{text!r} looks like UTF-8 read as cp1252 ({fixed!r})"
    return None


_TRAILING = re.compile(r"[+-]?[0-9]+\.[0-9]*0")
_PLUS = re.compile(r"\+[0-9]+")
_DAY_MONTH = re.compile(r"([0-9]{1,2})([-/])([0-9]{1,2})(?:\2[0-9]{1,4})?")
_NUMERIC_DATE = re.compile(r"([0-9]{1,2})[-/.]([0-9]{1,2})[-/.][0-9]{2,4}|[0-9]{4}-([0-9]{1,2})-([0-9]{1,2})")
_NAMED_DATE = re.compile(r"([0-9]{1,2})[-. ]{0,2}([A-Za-z]{3,9})\.?(?:[-. ,]+[0-9]{2,4})?|([A-Za-z]{3,9})\.?[-. ]([0-9]{1,2})(?:[-. ,]+[0-9]{2,4})?")
_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        ("jan january", "feb february", "mar march", "apr april", "may", "jun june",
         "jul july", "aug august", "sep sept september", "oct october", "nov november", "dec december")  # fmt: skip
    )
    for name in names.split()
}
#: Day numbers of the years 2000-2049 in a spreadsheet's date system (days since 1899-12-30).
_SERIALS = range(36526, 54789)


def _general(text: str) -> str:
    """A decimal as a spreadsheet's General format shows it: no trailing zeros, no exponent."""
    return format(Decimal(text).normalize(), "f")


def _valid(day: int, month: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31


def _day_months(text: str) -> set[tuple[int, int]]:
    """The (day, month) pairs a spreadsheet may read in text such as `1-2` or `3/4` (either order)."""
    m = _DAY_MONTH.fullmatch(text)
    if m is None:
        return set()
    return _either_order(int(m.group(1)), int(m.group(3)))


def _either_order(a: int, b: int) -> set[tuple[int, int]]:
    """The valid (day, month) readings of two numbers, day first or month first."""
    return {(d, mo) for d, mo in ((b, a), (a, b)) if _valid(d, mo)}


def _sheet_day_months(text: str, old: str) -> set[tuple[int, int]]:
    """The (day, month) pairs of a date as a spreadsheet shows one (`2-Jan`, `03/04/26`, `2026-03-04`, a day number)."""
    text = text.strip()
    m = _NAMED_DATE.fullmatch(text)
    if m is not None:
        day, name = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        month = _MONTHS.get(name.lower())
        return {(int(day), month)} if month is not None and _valid(int(day), month) else set()
    m = _NUMERIC_DATE.fullmatch(text)
    if m is not None and re.sub("[0-9]+", "9", text) != re.sub("[0-9]+", "9", old):  # `1-2-3` -> `1-2-4` is an edit
        if m.group(1):
            return _either_order(int(m.group(1)), int(m.group(2)))
        return {(int(m.group(4)), int(m.group(3)))}
    if _DIGITS.fullmatch(text) and int(text) in _SERIALS:
        day = date(1899, 12, 30) + timedelta(days=int(text))
        return {(day.day, day.month)}
    return set()


def _same_iso_form(text: str, old: str) -> bool:
    """`text` is an ISO date written exactly as `old` is (`1990-05-18` for `1990-05-17`), digit for digit."""
    return _ISO_DATE.fullmatch(text) is not None and _DIGIT.sub("9", text) == _DIGIT.sub("9", old)


def _fifteen_digits(digits: str) -> tuple[int, int]:
    """`digits` cut to the 15 significant digits a spreadsheet keeps: rounded, and truncated (Excel zeros the rest)."""
    sign = "-" if digits.startswith("-") else ""
    body = digits.lstrip("-").lstrip("0") or "0"
    return int(Decimal(f"{Decimal(digits):.14e}")), int(sign + body[:15] + "0" * (len(body) - 15))


def _scientific_damage(text: str, kind: str, old: Any) -> bool:
    """Whether scientific-notation `text` is what a spreadsheet shows for `old`: a number (or
    digits kept as text) with more significant digits than the text keeps, about equal to
    it; or a new value in a text column (no old value to tell an edit from damage)."""
    value = _float(text)
    if type(old) in (int, float):
        old_text = repr(old) if type(old) is float else str(old)
    elif type(old) is str and _NUMBERISH.fullmatch(old.strip()):
        old_text = old.strip()
    else:
        return old is MISSING and kind != tabular.NUMBER
    old_value = _float(old_text)
    if value is None or old_value is None or abs(value - old_value) > abs(old_value) * 1e-3:
        return False  # another number: an edit
    return len(_significant(old_text)) > len(_significant(text))


def whole_number(text: str) -> int | None:
    """The integer scientific-notation `text` writes (`1E+05` -> 100000), or None."""
    if not _SCI.fullmatch(text) or "," in text:
        return None
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else None


def _significant(number: str) -> str:
    """The significant digits of a decimal number's text (no sign, point, exponent or outer zeros)."""
    digits = number.lower().split("e")[0].lstrip("+-").replace(".", "").replace(",", "")
    return digits.strip("0")


def _float(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _is_json(text: str) -> bool:

    try:
        jsonio.loads_exact(text)
    except jsonio.JSONError:
        return False
    return True


def _show(value: Any) -> str:

    return jsonio.dumps(value).decode("utf-8")[:80]


def _was(old: Any) -> str:
    return "" if old is MISSING else f" (was {_show(old)})"
