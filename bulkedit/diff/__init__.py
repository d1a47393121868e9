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
import mmap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bulkedit.diff.candidate import _Candidate
from bulkedit.diff.comparison import field_changes
from bulkedit.diff.gate import parse_max_changed
from bulkedit.diff.keys import (
    _duplicate_in_backup,
    _duplicate_in_candidate,
    _Keys,
    _twice_in_candidate,
    _user_id_lookup,
)
from bulkedit.diff.lines import (
    _DROP_EVERY,
    _LINE_BITS,
    _check_from,
    _HeldLines,
    _line_ok,
    _LineCheck,
    _MappedLines,
    _ndjson_lines,
    _refuse_line,
)
from bulkedit.diff.matching import _compare
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
    keys = _Keys(opts.key)
    backup = open_source(backup_path, column_map=opts.column_map)
    candidate = _Candidate(Path(candidate_path), opts.column_map)
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


def _diff(backup: Source, candidate: _Candidate, keys: _Keys, opts: DiffOptions) -> DiffResult:
    if (
        backup.format == fmt.NDJSON
        and candidate.kind == "file"
        and candidate.parts[0][0].format == fmt.NDJSON
        and not opts.column_map
    ):
        return _diff_ndjson(backup, candidate, keys, opts)
    progress = candidate.progress

    def backup_records() -> Iterator[Record]:
        yield from reporting(backup.records(), backup, progress)
        if progress is not None:
            progress(backup.size)

    return _compare(backup, backup_records(), candidate, candidate.records(backup.size), keys, opts)


def _diff_ndjson(backup: Source, candidate: _Candidate, keys: _Keys, opts: DiffOptions) -> DiffResult:
    """Two NDJSON files: lines identical in both are unchanged users, found without parsing them.

    Only the lines that have no identical twin on the other side are parsed and matched by
    key (about 2% of the work for a 1% edit). Identical lines are the same user whatever
    the key, so this gives the same result as matching every user by key.

    Each backup line is remembered by its hash and place; a candidate line with the same
    hash is compared with the backup's bytes, so a hash collision can never pass a changed
    user as unchanged. An uncompressed backup is read again through mmap rather than held.
    """
    if backup.compressed or backup.size == 0:
        return _match_ndjson(backup, candidate, keys, opts, _HeldLines())
    with open(backup.path, "rb") as bf, mmap.mmap(bf.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        return _match_ndjson(backup, candidate, keys, opts, _MappedLines(mm, bf.fileno()))


def _match_ndjson(backup: Source, candidate: _Candidate, keys: _Keys, opts: DiffOptions, store: Any) -> DiffResult:
    cand_src = candidate.parts[0][0]
    checker = _LineCheck.start(cand_src)  # before the backup is read: it has that long too
    try:
        mask = (1 << _LINE_BITS) - 1
        seen: dict[int, int] = {}  # hash of a backup line -> its packed place; negated once matched
        collided: dict[bytes, int] = {}  # the rare backup line whose hash another line has: by its bytes
        n_backup = 0
        for lineno, line, offset in _ndjson_lines(backup, candidate.progress):
            n_backup += 1
            h = hash(line)
            prev = seen.get(h)
            if prev is None:
                seen[h] = (lineno << (2 * _LINE_BITS)) | (store.remember(offset, line) << _LINE_BITS) | len(line)
                continue
            if store.at((prev >> _LINE_BITS) & mask, prev & mask) == line:
                raise _duplicate_in_backup(backup, keys, line, lineno, prev >> (2 * _LINE_BITS))
            first = collided.setdefault(line, lineno)
            if first != lineno:
                raise _duplicate_in_backup(backup, keys, line, lineno, first)
        unchanged, unmatched = _match_candidate_lines(cand_src, candidate, keys, store, seen, collided, backup.size, _check_from(checker))
        if checker is not None and (bad := checker.first_bad()) is not None:
            _refuse_line(cand_src, bad[1], bad[0])
    finally:
        if checker is not None:
            checker.stop()
    leftover = [(p >> (2 * _LINE_BITS), store.read((p >> _LINE_BITS) & mask, p & mask)) for p in seen.values() if p > 0]
    if collided:
        leftover.extend((p, line) for line, p in collided.items() if p > 0)
        leftover.sort()
    del seen, collided
    return _finish_ndjson(backup, candidate, keys, opts, leftover, unmatched, unchanged, n_backup)


def _match_candidate_lines(
    cand_src: Source,
    candidate: _Candidate,
    keys: _Keys,
    store: Any,
    seen: dict[int, int],
    collided: dict[bytes, int],
    done_before: int,
    check_from: int | None,
) -> tuple[int, list[tuple[int, bytes]]]:
    """The candidate's lines against the backup's: (lines with an identical twin, the others with their numbers).

    `check_from`: check here each line with a twin at or after this offset (a reader would
    accept it: `_line_ok`); a _LineCheck checks those before it (None: all of them).
    """
    mask = (1 << _LINE_BITS) - 1
    unchanged = 0
    unmatched: list[tuple[int, bytes]] = []
    get = seen.get
    line_ok = _line_ok
    check_at = (1 << 62) if check_from is None else check_from
    for lineno, line, offset in _ndjson_lines(cand_src, candidate.progress, done_before):
        p = get(hash(line))
        if p is not None:
            q = -p if p < 0 else p
            where, length = (q >> _LINE_BITS) & mask, q & mask
            if where - store.released > _DROP_EVERY:
                store.release_before(where)
            if length == len(line) and store.at(where, length) == line:
                if p < 0:
                    raise _duplicate_in_candidate(cand_src, keys, line, lineno)
                seen[hash(line)] = -p
                unchanged += 1
                if offset >= check_at and not line_ok(line):
                    _refuse_line(cand_src, line, lineno)
                continue
        c = collided.get(line) if collided else None
        if c is None:
            unmatched.append((lineno, line))
        elif c < 0:
            raise _duplicate_in_candidate(cand_src, keys, line, lineno)
        else:
            collided[line] = -c
            unchanged += 1
            if offset >= check_at and not line_ok(line):
                _refuse_line(cand_src, line, lineno)
    return unchanged, unmatched


def _finish_ndjson(
    backup: Source,
    candidate: _Candidate,
    keys: _Keys,
    opts: DiffOptions,
    leftover: list[tuple[int, bytes]],
    unmatched: list[tuple[int, bytes]],
    unchanged: int,
    n_backup: int,
) -> DiffResult:
    """Compare by key what the line matching left over on both sides."""
    cand_src = candidate.parts[0][0]
    matched = n_backup - len(leftover)

    def backup_records() -> Iterator[Record]:
        for p, line in leftover:
            rec = backup._ndjson_line(line, p)
            if rec is not None:
                yield rec

    def candidate_records() -> Iterator[tuple[int, Record, Source, str | None]]:
        for p, line in unmatched:
            rec = cand_src._ndjson_line(line, p)
            if rec is not None:
                yield p, rec, cand_src, None

    added: dict[str, str] = {}
    result = _compare(backup, backup_records(), candidate, candidate_records(), keys, opts, base=(matched, unchanged), added_out=added)
    if matched and added:
        _check_added_are_new(backup, added, keys)
    return result


def _check_added_are_new(backup: Source, added: dict[str, str], keys: _Keys) -> None:
    """An "added" user whose key belongs to a user matched line-for-line is one user twice in the candidate."""
    email_key = keys.key == "email"
    for rec in backup.records():
        k = rec.user.get(keys.key)
        if type(k) is not str:
            continue
        if email_key:
            k = k.lower()
            hit = k if k in added else None
        else:
            hit = _user_id_lookup(added, k)
        if hit is not None:
            raise _twice_in_candidate(keys.key, hit, added[hit], " (one copy equals the backup, the other differs)")


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
