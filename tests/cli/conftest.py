from __future__ import annotations

from pathlib import Path

import pytest

from bulkedit.cli.app import main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """`bulkedit ARGS` in this process: exit code, stdout, stderr."""
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err
