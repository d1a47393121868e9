"""Reading an emit folder's manifest.json (diff, errors and lint take such a folder as input)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkedit.errors import InputError
from bulkedit.io import jsonio

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Chunk:
    """One chunk the manifest lists: its path (inside the folder), connection and the entry itself."""

    path: Path
    file: str
    connection: str | None
    entry: dict[str, Any]


def load_json_file(raw: bytes, path: Path, what: str) -> Any:
    """The JSON document `raw` read from `path`; malformed JSON or UTF-8 is an InputError naming the place."""
    try:
        return jsonio.loads(raw)
    except jsonio.JSONError as exc:
        raise InputError(f"malformed JSON at column {exc.column}: {exc.msg}", where=f"{path}:{exc.line}") from None
    except UnicodeDecodeError:
        raise InputError(f"{what} is not UTF-8", where=str(path)) from None


def read_manifest(folder: Path, hint: str) -> tuple[dict[str, Any], list[Chunk]]:
    """The manifest of emit folder `folder` and its chunks, checked: a JSON object with a
    `chunks` list of {file, connection, ...} whose files lie inside the folder.

    `hint` says what the command takes (each command names its own option).
    """
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder", hint=hint)
    path = folder / MANIFEST
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{folder} has no {MANIFEST}", hint=hint) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    doc = load_json_file(raw, path, "the manifest")
    if not isinstance(doc, dict):
        raise InputError("the manifest has no 'chunks' list of {file, connection, ...}", where=str(path), hint=hint)
    return doc, manifest_chunks(folder, doc, "chunks", hint)


def manifest_chunks(folder: Path, doc: dict[str, Any], key: str, hint: str) -> list[Chunk]:
    """The chunks a manifest lists under `key` ("chunks", or "rollback", which may be absent),
    checked: {file, connection, ...} entries whose files lie inside `folder`."""
    where = str(folder / MANIFEST)
    entries = doc.get(key, [] if key != "chunks" else None)
    if not isinstance(entries, list) or not all(isinstance(c, dict) and isinstance(c.get("file"), str) and c["file"] for c in entries):
        raise InputError(f"the manifest has no {key!r} list of {{file, connection, ...}}", where=where, hint=hint)
    root = folder.resolve()
    chunks: list[Chunk] = []
    for entry in entries:
        rel = entry["file"]
        if not (folder / rel).resolve().is_relative_to(root):
            raise InputError(f"the manifest names a chunk outside the folder: {rel!r}", where=where, hint=hint)
        conn = entry.get("connection")
        chunks.append(Chunk(folder / rel, rel, conn if isinstance(conn, str) else None, entry))
    return chunks
