"""`diff`: what would change, user by user and field by field, between a backup and a candidate.

Users are matched by a key (`user_id`, prefix-aware, or `email`, case-insensitive);
the order of users never matters. The work is split so that a million users stay
cheap, and no side is ever held as a million dicts:

1. Two NDJSON files: each backup line is kept as bytes in a dict; a candidate line
   with an identical twin is an unchanged user, found by one hash lookup without
   parsing (only checked to be valid JSON, which builds no objects; for a large file
   in a second process). Only the lines without a twin go on to step 2.
2. Keyed comparison (every other candidate, and the rest of step 1): the backup is
   kept as key -> encoded bytes; each candidate user is matched by key, and the two
   are compared in a canonical (sorted-key) serialisation.
3. Only users that really differ get field-level changes: objects are walked,
   skipping equal branches; lists that differ go to deepdiff.

What is compared is what the candidate can carry. An `emit` output folder holds
import-shaped users (no `auth0|` prefix, no export-only fields) for the connection
its manifest names: such users - and any user of a file without export-only fields -
are compared on import fields, with the connection from the manifest, so fields
missing from a chunk because an import cannot carry them are not "removed". A user of
an emit folder or of an import file (a JSON array of such users) is compared on the
top-level fields it has: an upsert leaves the others as they are in the tenant, and
replaces a metadata object it has whole. A CSV or XLSX candidate is compared on its
columns.

A changed key would read as one user removed and another added: after matching, those
are paired through the other identity (user_id under --key email; email, in the same
connection, under --key user_id) and shown as a forbidden change of the key.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

from bulkedit.diff.candidate import Candidate
from bulkedit.diff.comparison import field_changes
from bulkedit.diff.gate import parse_max_changed
from bulkedit.diff.keys import Keys
from bulkedit.diff.matching import match_and_compare
from bulkedit.diff.model import (
    CLASSES,
    DiffOptions,
    DiffResult,
    FieldChange,
    FieldSummary,
    Gate,
    ProgressFn,
    UserDiff,
)
from bulkedit.diff.ndjson_pass import diff_ndjson
from bulkedit.io import detect as fmt
from bulkedit.io.read import Record, Source, open_source, reporting

# -- the comparison ---------------------------------------------------------------


def input_size(backup_path: Path | str, candidate_path: Path | str) -> int:
    """Bytes `diff` reads (for a progress bar): the backup and the candidate file or chunks."""
    cand = Path(candidate_path)
    size = Path(backup_path).stat().st_size if Path(backup_path).is_file() else 0
    if cand.is_dir():
        return size + sum(p.stat().st_size for p in cand.rglob("*.json") if "rollback" not in p.relative_to(cand).parts)
    return size + (cand.stat().st_size if cand.is_file() else 0)


def diff(
    backup_path: Path | str,
    candidate_path: Path | str,
    options: DiffOptions | None = None,
    *,
    progress: ProgressFn | None = None,
) -> DiffResult:
    """Compare BACKUP with CANDIDATE user by user; see the module docstring for how.

    `progress`, when given, is called now and then with the input bytes read so far.
    """
    opts = options or DiffOptions()
    keys = Keys(opts.key)
    backup = open_source(backup_path, column_map=opts.column_map)
    candidate = Candidate(Path(candidate_path), opts.column_map)
    candidate.progress = progress
    if opts.max_changed is not None:
        parse_max_changed(opts.max_changed)
    gc_was = gc.isenabled()
    gc.disable()  # a million small objects: the cyclic collector would be the main cost
    try:
        return _diff(backup, candidate, keys, opts)
    finally:
        if gc_was:
            gc.enable()


def _diff(backup: Source, candidate: Candidate, keys: Keys, opts: DiffOptions) -> DiffResult:
    if (
        backup.format == fmt.NDJSON
        and candidate.kind == "file"
        and candidate.parts[0][0].format == fmt.NDJSON
        and not opts.column_map
    ):
        return diff_ndjson(backup, candidate, keys, opts)
    progress = candidate.progress

    def backup_records() -> Iterator[Record]:
        yield from reporting(backup.records(), backup, progress)
        if progress is not None:
            progress(backup.size)

    return match_and_compare(backup, backup_records(), candidate, candidate.records(backup.size), keys, opts)


__all__ = [
    "CLASSES",
    "DiffOptions",
    "DiffResult",
    "FieldChange",
    "FieldSummary",
    "Gate",
    "UserDiff",
    "diff",
    "field_changes",
]
