"""The candidate side of `diff`: its users, from one file or an `emit` folder's chunks, and the
form they are compared on (what an import can carry, what a sheet's columns hold)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bulkedit import fields
from bulkedit.diff.model import ProgressFn
from bulkedit.errors import InputError
from bulkedit.importfile.manifest import MANIFEST, VERIFY_CONTENT, read_manifest
from bulkedit.io import detect as fmt
from bulkedit.io.read import Source, open_source, reporting
from bulkedit.paths import MISSING, PathConflict, get_path, set_path


class Candidate:
    """The candidate's users, from one file or the chunks of an `emit` folder."""

    def __init__(self, path: Path, column_map: dict[str, str] | None) -> None:
        self.path = path
        self.parts: list[tuple[Source, str | None]] = []
        #: users `emit` left out on purpose (manifest `left_out`): user_id or lower-case email -> reason
        self.left_out: dict[str, str] = {}
        self.progress: ProgressFn | None = None
        if path.is_dir():
            self.kind = "emit folder"
            self.parts, self.left_out = _emit_chunks(path)
        else:
            self.kind = "file"
            self.parts = [(open_source(path, column_map=column_map), None)]

    def records(self, done_before: int = 0) -> Iterator[tuple[int, Any, Source, str | None]]:
        progress = self.progress
        for src, conn in self.parts:
            try:
                for rec in reporting(src.records(), src, progress, done_before):
                    yield rec.pos, rec, src, conn
            except InputError as exc:
                raise _sheet_cell_error(src, exc) from None
            done_before += src.size
            if progress is not None:
                progress(done_before)


def _sheet_cell_error(src: Source, exc: InputError) -> InputError:
    """A cell of a typed sheet that does not fit its column: point to `edit --sheet`, which reads sheets cell by cell."""
    if src.format not in TABULAR or not src.typed or not exc.message.startswith("column "):
        return exc
    return InputError(
        exc.message,
        where=exc.where,
        hint="diff takes each cell as its column's recorded type; review a sheet made by `convert` and edited with"
        f" `bulkedit edit BACKUP --sheet {src.path.name} --dry-run`, which reads it as it is applied (a word in a"
        " mixed-type column is text)",
    )


def _emit_chunks(folder: Path) -> tuple[list[tuple[Source, str | None]], dict[str, str]]:
    manifest, chunks = read_manifest(folder, "a folder given as CANDIDATE must be the folder `bulkedit emit` wrote", verify=VERIFY_CONTENT)
    parts: list[tuple[Source, str | None]] = []
    for chunk in chunks:
        if not chunk.path.is_file():
            raise InputError(
                f"chunk {chunk.file!r} listed in the manifest is missing",
                where=str(folder / MANIFEST),
                hint="run `bulkedit emit` again",
            )
        parts.append((open_source(chunk.path), chunk.connection))
    left_out: dict[str, str] = {}
    entries = manifest.get("left_out")
    for entry in entries if type(entries) is list else []:
        if type(entry) is not dict:
            continue
        reason: str = entry["reason"] if type(entry.get("reason")) is str else "left out by emit"
        if type(entry.get("user_id")) is str:
            left_out[entry["user_id"]] = reason
        if type(entry.get("email")) is str:
            left_out[entry["email"].lower()] = reason
    return parts, left_out


def import_form(user: dict[str, Any], connection: str | None, only: dict[str, Any] | None = None) -> dict[str, Any]:
    """What an import can carry of `user`: no export-only fields, user_id without the strategy prefix, the connection.

    Unknown keys stay, so a stray key in an import file still shows as a change.
    `only`: keep just the top-level fields it has (those an import file sets).
    """
    export_only = fields.EXPORT_ONLY_FIELDS
    if only is None:
        out = {k: v for k, v in user.items() if k not in export_only}
    else:
        out = {k: user[k] for k in only if k in user and k not in export_only}
    uid = out.get("user_id")
    if type(uid) is str and "|" in uid:
        out["user_id"] = uid.split("|", 1)[1]
    if connection is not None:
        out["identities"] = [{"connection": connection}]
    return out


TABULAR = frozenset({fmt.CSV, fmt.XLSX})


def on_columns(user: dict[str, Any], columns: tuple[tuple[Any, ...], ...]) -> dict[str, Any]:
    """The part of `user` a sheet's columns hold: a field without a column is not in the file, not removed."""
    out: dict[str, Any] = {}
    for path in columns:
        value = get_path(user, path)
        if value is MISSING:
            continue
        try:
            set_path(out, path, value)
        except PathConflict:  # e.g. a column for identities[1] without one for identities[0]: compare whole
            return user
    return out


def is_import_shaped(user: dict[str, Any]) -> bool:
    return fields.EXPORT_ONLY_FIELDS.isdisjoint(user)
