from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "job-errors"


@pytest.fixture(params=["committed", "rebuilt"])
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed corpus, and the same corpus rebuilt from its edited export with today's emit code."""
    if request.param == "committed":
        return CORPUS
    from fixtures.make_job_errors import build_corpus, committed_edited

    folder = tmp_path_factory.mktemp("corpus")
    build_corpus(folder, committed_edited())
    return folder
