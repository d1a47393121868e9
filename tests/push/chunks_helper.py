"""Chunk folders as `emit` writes them, made directly for push tests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def user(i: int, prefix: str = "user") -> dict[str, Any]:
    return {"email": f"{prefix}{i}@example.com", "email_verified": True, "given_name": f"Given{i}", "family_name": "Family",
            "user_metadata": {"plan": "pro", "n": i}}


def make_chunks(
    folder: Path,
    chunks: int,
    per_chunk: int = 3,
    *,
    connection: str = "Username-Password-Authentication",
    upsert: bool | list[bool] | None = True,
    reject: set[int] = frozenset(),  # type: ignore[assignment]
    users: list[list[dict[str, Any]]] | None = None,
) -> Path:
    """`chunks` files of `per_chunk` users (user numbers in `reject` get an email the fake fails) and a manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / connection).mkdir(exist_ok=True)
    entries = []
    n = 0
    for k in range(chunks):
        if users is not None:
            batch = users[k]
        else:
            batch = []
            for _ in range(per_chunk):
                batch.append(user(n, "reject" if n in reject else "user"))
                n += 1
        raw = json.dumps(batch).encode()
        rel = f"{connection}/chunk-{k + 1:04d}.json"
        (folder / rel).write_bytes(raw)
        entry: dict[str, Any] = {"file": rel, "connection": connection, "users": len(batch), "bytes": len(raw),
                                 "sha256": hashlib.sha256(raw).hexdigest()}
        if isinstance(upsert, list):
            entry["upsert"] = upsert[k]
        elif upsert is not None:
            entry["upsert"] = upsert
        entries.append(entry)
    manifest = {"chunks": entries, "users": sum(e["users"] for e in entries)}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return folder
