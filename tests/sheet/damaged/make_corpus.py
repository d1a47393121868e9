"""Rebuild the damaged-CSV corpus: `python tests/sheet/damaged/make_corpus.py`.

`sheet.csv` is what `bulkedit convert backup.ndjson -o sheet.csv` writes; every
other CSV is that sheet as a spreadsheet would save it after opening it, one kind
of damage per file (plus `excel-resave.csv`, several at once). `cases.json` lists
the findings each file must produce: code, row (counting the header) and column.
The files are committed; this script documents how they were made.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from bulkedit.convert import convert  # noqa: E402
from bulkedit.io.read import open_source  # noqa: E402

SIDECAR = ".bulkedit.json"


def rows_of(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def write(
    name: str, rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8", bom: bool = True, made_with_bom: bool = True
) -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buf.getvalue().encode(encoding, errors="replace")
    if bom:
        data = b"\xef\xbb\xbf" + data
    (HERE / name).write_bytes(data)
    meta = json.loads((HERE / ("sheet.csv" + SIDECAR)).read_text("utf-8"))
    meta["bom"] = made_with_bom
    (HERE / (name + SIDECAR)).write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    sheet = HERE / "sheet.csv"
    convert(open_source(HERE / "backup.ndjson"), sheet)
    base = rows_of(sheet)
    col = {name: i for i, name in enumerate(base[0])}
    cases: dict[str, list[dict[str, object]]] = {}

    def variant(name: str, edits: dict[tuple[int, str], str], expect: list[tuple[str, int | None, str | None]], **kw: object) -> None:
        rows = [list(r) for r in base]
        for (row, column), value in edits.items():
            rows[row - 1][col[column]] = value
        write(name, rows, **kw)  # type: ignore[arg-type]
        cases[name] = [{"code": c, "row": r, "column": k} for c, r, k in expect]

    variant("leading-zeros.csv", {(2, "user_metadata.zip"): "2134", (4, "user_metadata.zip"): "501"},
            [("leading-zeros", 2, "user_metadata.zip"), ("leading-zeros", 4, "user_metadata.zip")])
    variant("scientific-notation.csv", {(2, "user_metadata.ledger"): "1.23457E+19"},
            [("scientific-notation", 2, "user_metadata.ledger")])
    variant("number-precision.csv", {(3, "user_metadata.ledger"): "98765432109876500000"},
            [("number-precision", 3, "user_metadata.ledger")])
    variant("date-rewritten.csv", {(2, "user_metadata.since"): "1/2/2024 3:04", (3, "created_at"): "06.05.2023 07:08"},
            [("date-rewritten", 2, "user_metadata.since"), ("date-rewritten", 3, "created_at")])
    variant("boolean-case.csv", {(2, "user_metadata.flag"): "TRUE", (3, "user_metadata.flag"): "FALSE"},
            [("boolean-case", 2, "user_metadata.flag"), ("boolean-case", 3, "user_metadata.flag")])
    variant("smart-quotes.csv", {(2, "family_name"): "O\u2019Neil", (2, "user_metadata.note"): "say \u201chi\u201d"},
            [("smart-quotes", 2, "family_name"), ("smart-quotes", 2, "user_metadata.note")])
    variant("line-breaks.csv", {(3, "user_metadata.note"): "line one\nline two"}, [("line-breaks", 3, "user_metadata.note")])
    variant("text-to-date.csv", {(2, "user_metadata.range"): "2-Jan", (3, "user_metadata.range"): "03/04/26"},
            [("text-to-date", 2, "user_metadata.range"), ("text-to-date", 3, "user_metadata.range")])
    variant("trailing-zeros.csv", {(2, "user_metadata.ver"): "2", (3, "user_metadata.ver"): "1.1"},
            [("trailing-zeros", 2, "user_metadata.ver"), ("trailing-zeros", 3, "user_metadata.ver")])
    variant("plus-sign-lost.csv", {(2, "phone_number"): "14155550100"}, [("plus-sign-lost", 2, "phone_number")])
    variant("mojibake.csv", {(2, "given_name"): "ZoÃ«"}, [("mojibake", 2, "given_name")])
    # Excel's "CSV (Comma delimited)": cp1252, no BOM
    variant("encoding-cp1252.csv", {}, [("bom-lost", 1, None), ("encoding", 2, None), ("encoding", 2, "user_metadata.city")],
            encoding="cp1252", bom=False)
    variant("bom-lost.csv", {}, [("bom-lost", 1, None)], bom=False)
    # a sheet written without a BOM (`convert --to csv` of a plain CSV before bulkedit wrote BOMs), saved with one
    variant("bom-added.csv", {}, [("bom-added", 1, None)], bom=True, made_with_bom=False)
    variant("semicolon.csv", {(2, "app_metadata.score"): "1,5", (3, "app_metadata.score"): "2,25"},
            [("semicolon-separator", 1, None), ("decimal-comma", 2, "app_metadata.score"), ("decimal-comma", 3, "app_metadata.score")],
            delimiter=";")
    variant(
        "excel-resave.csv",
        {(2, "user_metadata.zip"): "2134", (2, "user_metadata.since"): "1/2/2024 3:04", (2, "user_metadata.flag"): "TRUE",
         (3, "user_metadata.ledger"): "9.87654E+19", (4, "given_name"): "May"},
        [("leading-zeros", 2, "user_metadata.zip"), ("date-rewritten", 2, "user_metadata.since"),
         ("boolean-case", 2, "user_metadata.flag"), ("scientific-notation", 3, "user_metadata.ledger")],
    )
    (HERE / "cases.json").write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
