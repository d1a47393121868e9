"""The manifest says what starting each chunk's import job takes (issue 14, item 6)."""

from __future__ import annotations

import json
from pathlib import Path

from bulkedit.emit.emit import EmitOptions, emit

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "export.json.gz"


def test_manifest_job_parameters(tmp_path: Path) -> None:
    out = tmp_path / "chunks"
    edited = tmp_path / "edited.ndjson"
    import gzip

    lines = gzip.decompress(FIXTURE.read_bytes()).decode().splitlines()
    first = json.loads(lines[0])
    first["given_name"] = "Changed"
    edited.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    m = emit(edited, out, EmitOptions(backup=FIXTURE, config={}, max_bytes=2048, all_users=True)).manifest
    job = m["job"]
    assert job["upsert"] is True and job["send_completion_email"] is False
    assert (job["max_concurrent_jobs"], job["time_limit_hours"], job["results_kept_hours"]) == (2, 2, 24)
    assert job["connection_id"] is None and "connections?name=" in job["connection_id_lookup"]
    entries = m["chunks"] + m["rollback"]
    assert len(m["chunks"]) > 2 and m["rollback"]
    ids = [c["external_id"] for c in entries]
    assert len(set(ids)) == len(ids) and all(i.startswith("bulkedit-" + m["source"]["sha256"][:12]) for i in ids)
    for c in entries:  # what a person or push needs per job; the earlier keys stay
        assert {"file", "connection", "users", "bytes", "sha256", "upsert", "external_id"} <= set(c)
        assert c["upsert"] is True and len(c["external_id"]) <= 64
