"""The files a lint run reads: files and folders given -> user files, with the connection an emit folder's manifest names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from bulkedit.errors import InputError
from bulkedit.importfile.manifest import (
    MANIFEST,
    VERIFY_CONTENT,
    chunk_files,
    manifest_chunks,
    read_manifest,
    refuse_without_manifest,
)
from bulkedit.io.tabular import SIDECAR_SUFFIX

INPUT_SUFFIXES = (".json", ".ndjson", ".jsonl", ".csv", ".tsv", ".xlsx", ".gz")


@dataclass(frozen=True)
class InputFile:
    """A file to lint, and the connection its users belong to when the file itself says none."""

    path: Path
    connection: str | None = None
    #: a file inside an emit folder that its manifest does not list (BE704)
    unlisted: bool = False


def expand_inputs(paths: Iterable[Path | str]) -> list[InputFile]:
    """Files and folders -> files. An emit folder (with manifest.json) gives its chunks, not rollback/,
    also when it lies inside a folder given; a chunk file given on its own (or a folder of
    them, such as rollback/) keeps the connection its emit folder's manifest names."""
    out: list[InputFile] = []
    emit_connections: dict[Path, dict[Path, str]] = {}
    for p in map(Path, paths):
        if not p.exists():
            raise InputError(f"{p} does not exist", hint="check the path")
        found = [InputFile(p)] if p.is_file() else _folder_inputs(p)
        if not found and not (p / MANIFEST).is_file():  # an emit folder of zero users holds no chunk: 0 users
            raise InputError(f"folder {p} holds no user files", hint="give files, or an emit output folder")
        out.extend(f if f.connection is not None else replace(f, connection=_emit_connection(f.path, emit_connections)) for f in found)
    return out


def _folder_inputs(folder: Path) -> list[InputFile]:
    """The user files below `folder` in path order; an emit folder met on the way gives its
    chunks (its manifest is not a user file); hidden folders, rollback/ and the type
    information files of bulkedit's sheets (`*.bulkedit.json`) are skipped."""
    if (folder / MANIFEST).is_file():
        # files the manifest does not list are linted and named (BE704); missing or damaged ones refused
        _, chunks = read_manifest(
            folder, "a folder holding manifest.json is read as the output folder of `bulkedit emit`", unlisted=True, verify=VERIFY_CONTENT
        )
        listed = [InputFile(c.path, c.connection) for c in chunks]
        return listed + _unlisted_chunks(folder, listed)
    if chunk_files(folder) and not any((p / MANIFEST).is_file() for p in list(folder.resolve().parents)[:2]):
        refuse_without_manifest(folder)  # emit's layout without its manifest: a run that did not finish
    return _folder_inputs_plain(folder)


def _unlisted_chunks(folder: Path, listed: list[InputFile]) -> list[InputFile]:
    """User files inside emit folder `folder` (not rollback/) that its manifest does not list:
    linted too, with the connection of the listed chunks beside them, and named (BE704)."""
    known = {f.path.resolve() for f in listed}
    beside = {f.path.resolve().parent: f.connection for f in listed}
    return [
        InputFile(f.path, f.connection or beside.get(f.path.resolve().parent), unlisted=True)
        for f in _folder_inputs_plain(folder)
        if f.path.resolve() not in known and f.path.name != MANIFEST
    ]


def _folder_inputs_plain(folder: Path) -> list[InputFile]:
    """The user files below `folder`, as a plain folder (not an emit folder) is walked."""
    out: list[InputFile] = []
    for entry in sorted(folder.iterdir()):
        name = entry.name.lower()
        if entry.is_dir():
            if not (name.startswith(".") or name == "rollback"):
                out.extend(_folder_inputs(entry))
        elif entry.is_file() and not name.startswith(".") and name.endswith(INPUT_SUFFIXES) and not name.endswith(SIDECAR_SUFFIX):
            out.append(InputFile(entry))
    return out


def _emit_connection(path: Path, known: dict[Path, dict[Path, str]]) -> str | None:
    """The connection an emit folder's manifest names for chunk `path` (its chunks lie
    one or two folders below the manifest: CONNECTION/ or rollback/CONNECTION/)."""
    target = path.resolve()
    for folder in list(target.parents)[1:3]:
        if folder not in known:
            known[folder] = {}
            if (folder / MANIFEST).is_file():
                hint = "a chunk's emit folder is read for the chunk's connection"
                try:
                    doc, chunks = read_manifest(folder, hint, unlisted=True)
                    chunks += manifest_chunks(folder, doc, "rollback", hint)
                except InputError:
                    continue  # some other program's manifest.json: not an emit folder
                known[folder] = {c.path.resolve(): c.connection for c in chunks if c.connection}
        if target in known[folder]:
            return known[folder][target]
    return None
