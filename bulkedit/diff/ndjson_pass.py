"""`diff`'s fast pass for two NDJSON files: a candidate line with an identical twin in the backup is an
unchanged user, found by its hash without parsing; only the lines left over go to the keyed comparison."""

from __future__ import annotations

import mmap
from collections.abc import Iterator
from typing import Any

from bulkedit.diff.candidate import Candidate
from bulkedit.diff.keys import (
    Keys,
    duplicate_in_backup,
    duplicate_in_candidate,
    twice_in_candidate,
    user_id_lookup,
)
from bulkedit.diff.lines import (
    DROP_EVERY,
    LINE_BITS,
    HeldLines,
    LineCheck,
    MappedLines,
    check_from_of,
    line_is_ok,
    numbered_ndjson_lines,
    refuse_line,
)
from bulkedit.diff.matching import match_and_compare
from bulkedit.diff.model import DiffOptions, DiffResult
from bulkedit.io.read import Record, Source


def diff_ndjson(backup: Source, candidate: Candidate, keys: Keys, opts: DiffOptions) -> DiffResult:
    """Two NDJSON files: lines identical in both are unchanged users, found without parsing them.

    Only the lines that have no identical twin on the other side are parsed and matched by
    key (about 2% of the work for a 1% edit). Identical lines are the same user whatever
    the key, so this gives the same result as matching every user by key.

    Each backup line is remembered by its hash and place; a candidate line with the same
    hash is compared with the backup's bytes, so a hash collision can never pass a changed
    user as unchanged. An uncompressed backup is read again through mmap rather than held.
    """
    if backup.compressed or backup.size == 0:
        return _match_ndjson(backup, candidate, keys, opts, HeldLines())
    with open(backup.path, "rb") as bf, mmap.mmap(bf.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        return _match_ndjson(backup, candidate, keys, opts, MappedLines(mm, bf.fileno()))


def _match_ndjson(backup: Source, candidate: Candidate, keys: Keys, opts: DiffOptions, store: Any) -> DiffResult:
    cand_src = candidate.parts[0][0]
    checker = LineCheck.start(cand_src)  # before the backup is read: it has that long too
    try:
        mask = (1 << LINE_BITS) - 1
        seen: dict[int, int] = {}  # hash of a backup line -> its packed place; negated once matched
        collided: dict[bytes, int] = {}  # the rare backup line whose hash another line has: by its bytes
        n_backup = 0
        for lineno, line, offset in numbered_ndjson_lines(backup, candidate.progress):
            n_backup += 1
            h = hash(line)
            prev = seen.get(h)
            if prev is None:
                seen[h] = (lineno << (2 * LINE_BITS)) | (store.remember(offset, line) << LINE_BITS) | len(line)
                continue
            if store.at((prev >> LINE_BITS) & mask, prev & mask) == line:
                raise duplicate_in_backup(backup, keys, line, lineno, prev >> (2 * LINE_BITS))
            first = collided.setdefault(line, lineno)
            if first != lineno:
                raise duplicate_in_backup(backup, keys, line, lineno, first)
        unchanged, unmatched = _match_candidate_lines(cand_src, candidate, keys, store, seen, collided, backup.size, check_from_of(checker))
        if checker is not None and (bad := checker.first_bad()) is not None:
            refuse_line(cand_src, bad[1], bad[0])
    finally:
        if checker is not None:
            checker.stop()
    leftover = [(p >> (2 * LINE_BITS), store.read((p >> LINE_BITS) & mask, p & mask)) for p in seen.values() if p > 0]
    if collided:
        leftover.extend((p, line) for line, p in collided.items() if p > 0)
        leftover.sort()
    del seen, collided
    return _finish_ndjson(backup, candidate, keys, opts, leftover, unmatched, unchanged, n_backup)


def _match_candidate_lines(
    cand_src: Source,
    candidate: Candidate,
    keys: Keys,
    store: Any,
    seen: dict[int, int],
    collided: dict[bytes, int],
    done_before: int,
    check_from: int | None,
) -> tuple[int, list[tuple[int, bytes]]]:
    """The candidate's lines against the backup's: (lines with an identical twin, the others with their numbers).

    `check_from`: check here each line with a twin at or after this offset (a reader would
    accept it: `line_is_ok`); a LineCheck checks those before it (None: all of them).
    """
    mask = (1 << LINE_BITS) - 1
    unchanged = 0
    unmatched: list[tuple[int, bytes]] = []
    get = seen.get
    line_ok = line_is_ok
    check_at = (1 << 62) if check_from is None else check_from
    for lineno, line, offset in numbered_ndjson_lines(cand_src, candidate.progress, done_before):
        p = get(hash(line))
        if p is not None:
            q = -p if p < 0 else p
            where, length = (q >> LINE_BITS) & mask, q & mask
            if where - store.released > DROP_EVERY:
                store.release_before(where)
            if length == len(line) and store.at(where, length) == line:
                if p < 0:
                    raise duplicate_in_candidate(cand_src, keys, line, lineno)
                seen[hash(line)] = -p
                unchanged += 1
                if offset >= check_at and not line_ok(line):
                    refuse_line(cand_src, line, lineno)
                continue
        c = collided.get(line) if collided else None
        if c is None:
            unmatched.append((lineno, line))
        elif c < 0:
            raise duplicate_in_candidate(cand_src, keys, line, lineno)
        else:
            collided[line] = -c
            unchanged += 1
            if offset >= check_at and not line_ok(line):
                refuse_line(cand_src, line, lineno)
    return unchanged, unmatched


def _finish_ndjson(
    backup: Source,
    candidate: Candidate,
    keys: Keys,
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
            rec = backup.record_of_line(line, p)
            if rec is not None:
                yield rec

    def candidate_records() -> Iterator[tuple[int, Record, Source, str | None]]:
        for p, line in unmatched:
            rec = cand_src.record_of_line(line, p)
            if rec is not None:
                yield p, rec, cand_src, None

    added: dict[str, str] = {}
    result = match_and_compare(backup, backup_records(), candidate, candidate_records(), keys, opts, base=(matched, unchanged), added_out=added)
    if matched and added:
        _check_added_are_new(backup, added, keys)
    return result


def _check_added_are_new(backup: Source, added: dict[str, str], keys: Keys) -> None:
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
            hit = user_id_lookup(added, k)
        if hit is not None:
            raise twice_in_candidate(keys.key, hit, added[hit], " (one copy equals the backup, the other differs)")
