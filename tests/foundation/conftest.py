from __future__ import annotations

import gzip
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def write(path: Path, data: bytes | str, *, gz: bool = False) -> Path:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if gz:
        raw = gzip.compress(raw)
    path.write_bytes(raw)
    return path


def refused(path: Path) -> str:
    """The message reading `path` is refused with (it must be)."""
    from bulkedit.errors import InputError
    from bulkedit.io.read import read_users

    with pytest.raises(InputError) as info:
        read_users(path)
    return info.value.render()
