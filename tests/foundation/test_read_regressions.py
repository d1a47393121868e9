"""Reader regressions found by the re-audit (audit E): Auth0 escaping after a re-save, hand-made
JSON cells, Excel's short rows, workbooks whose users are not on the first sheet."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest

from bulkedit.cli.app import main
from bulkedit.errors import InputError
from bulkedit.io.read import open_source, read_users
from tests.foundation.conftest import FIXTURES, write


def refused(path: Path) -> str:
    with pytest.raises(InputError) as info:
        read_users(path)
    return info.value.render()


# -- N1: Auth0's export stays escaped when a spreadsheet re-saved it or Auth0 quotes scalars ----


def _export_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(gzip.decompress((FIXTURES / "export.csv.gz").read_bytes()).decode("utf-8-sig"))))


def _csv_text(rows: list[list[str]], quoting: int = csv.QUOTE_MINIMAL) -> str:
    out = io.StringIO()
    csv.writer(out, quoting=quoting, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _resaved(rows: list[list[str]]) -> list[list[str]]:
    """What LibreOffice and Excel write back: quotes only where needed, TRUE/FALSE upper case."""
    return [[{"true": "TRUE", "false": "FALSE"}.get(c, c) for c in row] for row in rows]


def _excel_dates(rows: list[list[str]]) -> list[list[str]]:
    """Excel also rewrites ISO dates in its locale ("4/11/2021 13:26")."""
    def local(cell: str) -> str:
        if len(cell) > 19 and cell[4] == "-" and cell[10] == "T":
            y, m, d = cell[:10].split("-")
            return f"{int(m)}/{int(d)}/{y} {int(cell[11:13])}:{cell[14:16]}"
        return cell
    return [[local(c) for c in row] for row in rows]


@pytest.mark.parametrize(
    "variant",
    ["resaved", "excel-dates", "every-cell-quoted", "quoted-booleans"],
)
def test_auth0_export_is_still_escaped_after_a_resave_or_with_quoted_scalars(tmp_path: Path, variant: str) -> None:
    rows = _export_rows()
    reference = read_users(FIXTURES / "export.csv.gz")
    if variant == "resaved":
        text = _csv_text(_resaved(rows))
    elif variant == "excel-dates":
        text = _csv_text(_excel_dates(_resaved(rows)))
    elif variant == "every-cell-quoted":
        text = _csv_text(rows, csv.QUOTE_ALL)
    else:
        text = gzip.decompress((FIXTURES / "export.csv.gz").read_bytes()).decode("utf-8-sig")
        text = text.replace(",true,", ',"true",').replace(",false,", ',"false",')
    src = open_source(write(tmp_path / "auth0.csv", text))
    users = list(src.users())
    assert src.auth0_escaped
    assert all(not u["user_id"].startswith("'") and not u["email"].startswith("'") for u in users)
    if variant == "excel-dates":
        users = [{k: v for k, v in u.items() if k not in ("created_at", "last_login")} for u in users]
        reference = [{k: v for k, v in u.items() if k not in ("created_at", "last_login")} for u in reference]
    assert users == reference


def test_a_minimal_auth0_file_with_a_quoted_boolean_is_escaped(tmp_path: Path) -> None:
    p = write(tmp_path / "two.csv", '"email","email_verified","user_metadata.vip"\n"\'a@x.com","true",TRUE\n')
    assert read_users(p) == [{"email": "a@x.com", "email_verified": True, "user_metadata": {"vip": True}}]


@pytest.mark.parametrize(
    "text",
    [
        # the original finding: one quoted cell with a leading ' in a plain file
        "user_id,email,nickname\nauth0|1,a@x.com,\"'Bob', the Jr\"\nauth0|2,b@x.com,Ann\n",
        # a few such cells, also unquoted, among ordinary text
        "user_id,email,nickname\nauth0|1,a@x.com,'Bob\nauth0|2,b@x.com,'Al\nauth0|3,c@x.com,Ann\n",
    ],
)
def test_a_plain_csv_with_some_apostrophe_cells_is_not_escaped(tmp_path: Path, text: str) -> None:
    src = open_source(write(tmp_path / "pq.csv", text))
    users = list(src.users())
    assert not src.auth0_escaped
    assert users[0]["nickname"].startswith("'")
