"""A CSV quote opened and never closed is reported at the line where it opened (issue 14, item 4)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from bulkedit.errors import InputError
from bulkedit.io.read import read_users

ROWS = ["email,given_name", "a@x.io,A", "b@x.io,B", "c@x.io,C", "d@x.io,D", "e@x.io,E", '"f@x.io,F', "g@x.io,G", "h@x.io,H", "i@x.io,I", "j@x.io,J"]


@pytest.mark.parametrize("gz", [False, True])
def test_unclosed_quote_names_its_line(tmp_path: Path, gz: bool) -> None:
    data = ("\n".join(ROWS) + "\n").encode()
    path = tmp_path / ("users.csv.gz" if gz else "users.csv")
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(InputError) as exc:
        read_users(path)
    assert exc.value.where == f"{path}:7"
    assert "never closed" in str(exc.value)
