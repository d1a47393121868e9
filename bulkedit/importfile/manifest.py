"""Reading an emit folder's manifest.json (diff, errors and lint take such a folder as input)."""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkedit.errors import InputError
from bulkedit.io import jsonio
from bulkedit.io.read.stream import file_sha256

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


#: How much of each chunk `check_chunks` compares with its manifest entry: nothing, its
#: size (a stat), or its size and its sha256 (the whole file read), for a command that
#: reads every chunk anyway.
VERIFY_NONE, VERIFY_SIZE, VERIFY_CONTENT = "none", "size", "content"


def read_manifest(
    folder: Path, hint: str, *, unlisted: bool = False, verify: str = VERIFY_NONE
) -> tuple[dict[str, Any], list[Chunk]]:
    """The manifest of emit folder `folder` and its chunks, checked: a JSON object with a
    `chunks` list of {file, connection, ...} whose files lie inside the folder, and whose
    chunk files are the folder's (`check_chunks`; `unlisted=True`: chunk files the manifest
    does not list are let through, for a caller that reports them itself; `verify`: how
    much of each chunk is compared with its entry).

    `hint` says what the command takes (each command names its own option).
    """
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder", hint=hint)
    path = folder / MANIFEST
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if chunk_files(folder):
            refuse_without_manifest(folder)
        raise InputError(f"{folder} has no {MANIFEST}", hint=hint) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    doc = load_json_file(raw, path, "the manifest")
    if not isinstance(doc, dict):
        raise InputError("the manifest has no 'chunks' list of {file, connection, ...}", where=str(path), hint=hint)
    chunks = manifest_chunks(folder, doc, "chunks", hint)
    check_chunks(folder, chunks + manifest_chunks(folder, doc, "rollback", hint), unlisted=unlisted, verify=verify)
    return doc, chunks


#: The name emit (and `errors -o`) gives a chunk file.
CHUNK_NAME = re.compile(r"chunk-[0-9]+\.json")
_REDO = "the folder is not what one emit wrote (an interrupted emit, or files moved or edited by hand): run `bulkedit emit` into it again with --force"


def chunk_files(folder: Path) -> list[Path]:
    """The chunk files (`chunk-NNNN.json`) emit's layout puts in `folder`: CONNECTION/ and
    rollback/CONNECTION/ (hidden entries, such as bulkedit's temp folders, left out)."""
    out: list[Path] = []
    try:
        subs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return out
    for sub in subs:
        inner = [sub] + (sorted(p for p in sub.iterdir() if p.is_dir() and not p.name.startswith(".")) if sub.name == "rollback" else [])
        for d in inner:
            out.extend(sorted(p for p in d.iterdir() if p.is_file() and CHUNK_NAME.fullmatch(p.name)))
    return out


def check_chunks(folder: Path, chunks: list[Chunk], *, unlisted: bool = False, verify: str = VERIFY_NONE) -> None:
    """Refuse (InputError, exit 2) an emit folder whose chunk files are not those its manifest lists.

    Each listed chunk (chunks and rollback) must be there; a chunk file in emit's layout
    that the manifest does not list is refused too, unless `unlisted`. With `verify` at
    VERIFY_SIZE a chunk whose size is not the `bytes` its entry records is
    refused, at VERIFY_CONTENT also one whose sha256 is not the entry's `sha256` (entries
    without them are taken as they are). This is what a reader (lint, diff, errors, push)
    checks before trusting a folder: a run killed while it was written, or a hand-edited
    folder or chunk, is named, not read. lint and diff verify the content (they read every
    chunk anyway), errors the size (it hashes the chunks as it reads them: changed_chunk),
    push checks the sums itself, as a refusal (exit 1).
    """
    missing: list[str] = []
    resized: list[str] = []
    for c in chunks:
        try:
            size = os.stat(c.path).st_size
        except OSError:
            missing.append(c.file)
            continue
        want = c.entry.get("bytes")
        if verify != VERIFY_NONE and type(want) is int and size != want:
            resized.append(f"{c.file} ({size:,} bytes, listed as {want:,})")
    listed = {c.path.resolve() for c in chunks}
    extra = [] if unlisted else [p.relative_to(folder).as_posix() for p in chunk_files(folder) if p.resolve() not in listed]
    problems = []
    if missing:
        problems.append(f"{len(missing)} chunk(s) it lists are missing: {_some(missing)}")
    if extra:
        problems.append(f"{len(extra)} chunk file(s) are not in it: {_some(extra)}")
    if resized:
        problems.append(f"{len(resized)} chunk(s) changed after emit: {_some(resized)}")
    if not problems and verify == VERIFY_CONTENT:
        summed = [c for c in chunks if type(c.entry.get("sha256")) is str]
        with ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1))) as pool:  # hashlib lets go of the GIL
            sums = list(pool.map(lambda c: file_sha256(c.path), summed))
        changed = [c.file for c, sha in zip(summed, sums, strict=True) if sha != c.entry["sha256"]]
        if changed:
            problems.append(f"{len(changed)} chunk(s) changed after emit (their sha256 differs): {_some(changed)}")
    if problems:
        raise InputError(f"the folder does not match its manifest: {'; '.join(problems)}", where=str(folder / MANIFEST), hint=_REDO)


def changed_chunk(folder: Path, chunk: Chunk) -> InputError:
    """The refusal of a chunk whose bytes are not those its manifest's sha256 names (see check_chunks)."""
    return InputError(
        f"the folder does not match its manifest: 1 chunk(s) changed after emit (their sha256 differs): {chunk.file}",
        where=str(folder / MANIFEST),
        hint=_REDO,
    )



def refuse_without_manifest(folder: Path) -> None:
    """Refuse a folder laid out as emit writes it (CONNECTION/chunk-0001.json) that has no manifest.json."""
    found = chunk_files(folder)
    names = [p.relative_to(folder).as_posix() for p in found]
    raise InputError(
        f"{folder} holds chunk files ({_some(names)}) but no {MANIFEST}: the output of an emit that did not finish",
        hint=_REDO,
    )


def _some(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def manifest_chunks(folder: Path, doc: dict[str, Any], key: str, hint: str) -> list[Chunk]:
    """The chunks a manifest lists under `key` ("chunks", or "rollback", which may be absent),
    checked: {file, connection, ...} entries whose files are plain relative paths inside `folder`
    (`entry_path`)."""
    where = str(folder / MANIFEST)
    entries = doc.get(key, [] if key != "chunks" else None)
    if not isinstance(entries, list) or not all(isinstance(c, dict) and isinstance(c.get("file"), str) and c["file"] for c in entries):
        raise InputError(f"the manifest has no {key!r} list of {{file, connection, ...}}", where=where, hint=hint)
    chunks: list[Chunk] = []
    for entry in entries:
        rel = entry["file"]
        conn = entry.get("connection")
        chunks.append(Chunk(entry_path(folder, rel, key), rel, conn if isinstance(conn, str) else None, entry))
    return chunks


#: One part of a path emit writes (a connection's safe_name, `rollback`, `upsert`, `chunk-0001.json`).
_PLAIN_PART = re.compile(r"[A-Za-z0-9._-]+")


def entry_path(folder: Path, rel: str, key: str = "chunks") -> Path:
    """The file a manifest entry `rel` (listed under `key`) names inside `folder`, or InputError (exit 2).

    Only a plain relative path is taken: parts of letters, digits, `.`, `_` and `-` joined by `/`,
    none of them `.` or `..`, that stays inside the folder once symbolic links are followed. So an
    absolute path, `../`, a URL (`file://`), percent-encoding (`%2e%2e`), a backslash, a drive letter,
    a NUL or any control character is refused, naming the entry, before anything opens it.
    Every command that reads a manifest (lint, diff, errors, push) goes through here.
    """
    why = _not_plain(rel)
    if why is None:
        try:
            inside = (folder / rel).resolve().is_relative_to(folder.resolve())
        except (OSError, ValueError, RuntimeError):  # a symlink loop, an unresolvable name
            inside = False
        if not inside:
            why = "it leads outside the folder"
    if why is not None:
        raise InputError(
            f"the manifest's {key!r} list names {rel!r}, which is not a plain relative path inside the folder: {why}",
            where=str(folder / MANIFEST),
            hint="a manifest lists its chunks as CONNECTION/chunk-0001.json; run `bulkedit emit` again rather than edit it by hand",
        )
    return folder / rel


def _not_plain(rel: str) -> str | None:
    """Why `rel` is not a plain relative path (None when it is)."""
    if rel.startswith("/") or rel[1:3] == ":\\" or rel[1:3] == ":/":
        return "an absolute path points outside the folder"
    if "://" in rel or rel.split(":", 1)[0].lower() in ("file", "http", "https"):
        return "it is a URL"
    for part in rel.split("/"):
        if not part:
            return "it has an empty part (//)"
        if part == "..":
            return "a '..' part leads outside the folder"
        if part == ".":
            return "it has a '.' part"
        if not _PLAIN_PART.fullmatch(part):
            bad = next(c for c in part if not _PLAIN_PART.fullmatch(c))
            return f"it holds the character {bad!r}"
    return None
