"""Law: any set of chunk users, echoed by Auth0 in any order with any secrets redacted, maps back exactly."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkedit.joberrors.analyse import explain_answers
from bulkedit.joberrors.answer import ERRORS, REDACTED, ErrorItem, FailedEntry, JobAnswer

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "job-errors"
MANIFEST = json.loads((CORPUS / "chunks" / "manifest.json").read_text())
CHUNK_USERS: list[tuple[str, int, str, dict[str, Any]]] = [
    (c["file"], pos, c["connection"], u)
    for c in MANIFEST["chunks"]
    for pos, u in enumerate(json.loads((CORPUS / "chunks" / c["file"]).read_text()), 1)
]
SOURCE_LINES = {
    json.loads(line)["user_id"].removeprefix("auth0|"): n
    for n, line in enumerate((CORPUS / "edited.ndjson").read_text(encoding="utf-8").splitlines(), 1)
}


def _redact(user: dict[str, Any], how: int) -> dict[str, Any]:
    user = copy.deepcopy(user)
    if how & 1 and "password_hash" in user:
        user["password_hash"] = REDACTED
    if how & 2 and "custom_password_hash" in user:
        user["custom_password_hash"]["hash"]["value"] = REDACTED
    if how & 4:
        for f in user.get("mfa_factors", []):
            if "totp" in f:
                f["totp"]["secret"] = REDACTED
    if how & 8:
        user["email"] = user["email"].lower()  # Auth0 stores emails lower-case
    return user


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.integers(0, len(CHUNK_USERS) - 1), min_size=1, max_size=12, unique=True),
    st.lists(st.integers(0, 15), min_size=12, max_size=12),
    st.sampled_from(["CONNECTION_NOT_FOUND", "PATTERN", "CONFLICT", "SOMETHING_NEW"]),
)
def test_every_echoed_user_maps_to_its_chunk_place_and_source_line(picks: list[int], redactions: list[int], code: str) -> None:
    entries = tuple(
        FailedEntry("answer.json", 1, i, _redact(CHUNK_USERS[p][3], redactions[i]), (ErrorItem(code, "m", ""),))
        for i, p in enumerate(picks)
    )
    result = explain_answers([JobAnswer("answer.json", ERRORS, entries, None)], chunks=CORPUS / "chunks", source=CORPUS / "edited.ndjson")
    for p, f in zip(picks, result.failures, strict=True):
        file, pos, conn, user = CHUNK_USERS[p]
        assert f.chunk is not None and (f.chunk.file, f.chunk.position, f.chunk.connection) == (file, pos, conn)
        assert f.chunk_ties == 0 and f.source_ties == 0
        assert f.source == f"{CORPUS / 'edited.ndjson'}:{SOURCE_LINES[user['user_id']]}"
    assert sum(c.users for c in result.codes) == len(picks)
