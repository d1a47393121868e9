"""The keyed comparison of `diff`: each candidate user matched to its backup user by key and compared
on what the candidate can carry; a changed key paired through the other identity; the result counted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bulkedit import fields
from bulkedit.diff.candidate import TABULAR, Candidate, import_form, is_import_shaped, on_columns
from bulkedit.diff.comparison import field_changes
from bulkedit.diff.gate import class_summary, evaluate_gate, field_summary
from bulkedit.diff.keys import Keys, backup_duplicate, twice_in_candidate, user_id_lookup, where_of
from bulkedit.diff.model import ORDINARY, RANK, Counts, DiffOptions, DiffResult, FieldChange, UserDiff
from bulkedit.diff.redact import EMAIL_RE, mask_email
from bulkedit.importfile.convert import complete_metadata, completes_metadata, in_import_file
from bulkedit.io import jsonio
from bulkedit.io.read import Record, Source


def match_and_compare(
    backup: Source,
    backup_records: Iterable[Record],
    candidate: Candidate,
    candidate_records: Iterable[tuple[int, Record, Source, str | None]],
    keys: Keys,
    opts: DiffOptions,
    *,
    base: tuple[int, int] = (0, 0),
    added_out: dict[str, str] | None = None,
) -> DiffResult:
    """Match by key and compare; `base` = (users already matched in both, of them unchanged).

    `added_out` receives key -> candidate location of each added user (keys in clear, before redaction).
    """
    # key -> [encoded bytes or None once matched, backup position]
    index: dict[str, list[Any]] = {}
    dumps = jsonio.dumps
    email_key = keys.key == "email"
    n_backup = base[0]
    for rec in backup_records:
        n_backup += 1
        user = rec.user
        k: Any = user.get(keys.key)
        if type(k) is not str or not k:
            keys.of(user, where_of(backup, rec.pos))  # raises: no key
        elif email_key:
            k = k.lower()
        enc = rec.raw if rec.raw is not None else dumps(user)
        if k in index or (email_key and k in keys.ambiguous):
            k = backup_duplicate(index, keys, k, user, enc, rec.pos, backup)
        index[k] = [enc, rec.pos]

    loads = jsonio.loads
    changed: list[tuple[int, UserDiff]] = []
    added: list[_Unmatched] = []
    added_keys: set[str] = set()
    unchanged = base[1]
    n_cand = base[0]
    compare = _Comparer(opts)
    # every candidate user is one of an import file or an emit folder (an import removes no user;
    # `emit --backup` writes only the users it changes)
    import_file = True
    for pos, rec, src, conn in candidate_records:
        n_cand += 1
        user = rec.user
        if import_file and conn is None and not in_import_file(src, user):
            import_file = False
        where = where_of(src, pos)
        k = user.get(keys.key)
        if type(k) is not str or not k:
            keys.of(user, where)  # raises: no key
        elif email_key:
            k = k.lower()
        if email_key and conn is None and k in keys.ambiguous:
            conn = fields.user_connection(user)
        bk = keys.lookup(index, k, conn, where)
        if bk is None:
            if k in added_keys:
                raise twice_in_candidate(keys.key, k, where())
            added_keys.add(k)
            if added_out is not None:
                added_out[k] = where()
            added.append(_unmatched(k, rec.raw if rec.raw is not None else dumps(user), pos, src, conn, user))
            continue
        entry = index[bk]
        enc = entry[0]
        if enc is None:
            raise twice_in_candidate(keys.key, k, where())
        entry[0] = None
        if rec.raw is not None and rec.raw == enc:
            unchanged += 1
            continue
        old = loads(enc)
        changes = compare(old, user, src, conn)
        if not changes:
            unchanged += 1
            continue
        changed.append((entry[1], _changed(bk, keys, opts, old, user, backup.where(entry[1]), where(), changes)))

    gone: list[_Unmatched] = []
    left_out: list[UserDiff] = []
    # an import file names the users it sets and removes none: the others are only counted
    import_only = import_file and n_cand > base[0]
    not_in_file = 0
    if import_only and not added and not candidate.left_out:  # nothing to pair them with: no need to decode them
        not_in_file = sum(1 for enc, _ in index.values() if enc is not None)
    else:
        for bk, (enc, bpos) in index.items():
            if enc is None:
                continue
            u = _unmatched(bk, enc, bpos, backup, None, loads(enc))
            why = _left_out_why(candidate.left_out, u, keys) if candidate.left_out else None
            if why is None:
                gone.append(u)
            else:
                left_out.append(UserDiff(_show_key(bk, keys, opts), "left_out", _mask_email(u.email, opts), backup.where(bpos), None, None, note=why))
    # a changed key reads as one user removed and one added: pair them through the other identity
    pairs = _pair_by_other_identity(gone, added, keys)
    for i, j, note in pairs:
        b, a = gone[i], added[j]
        old, user = loads(b.enc), loads(a.enc)
        changes = compare(old, user, a.src, a.conn)
        changed.append((b.pos, _changed(b.key, keys, opts, old, user, backup.where(b.pos), a.src.where(a.pos), changes, note)))
    paired_gone = {i for i, _, _ in pairs}
    paired_added = {j for _, j, _ in pairs}
    if import_only:
        removed: list[UserDiff] = []
        not_in_file += len(gone) - len(paired_gone)
    else:
        removed = [
            UserDiff(_show_key(b.key, keys, opts), "removed", _mask_email(b.email, opts), backup.where(b.pos), None, None)
            for i, b in enumerate(gone)
            if i not in paired_gone
        ]
    added_users = [
        UserDiff(_show_key(a.key, keys, opts), "added", _mask_email(a.email, opts), None, a.src.where(a.pos), None)
        for j, a in enumerate(added)
        if j not in paired_added
    ]
    changed.sort(key=lambda t: (RANK[t[1].cls or ORDINARY], t[0]))  # worst first: a reviewer reads from the top
    changed_users = [u for _, u in changed]
    counts = Counts(n_backup, n_cand, len(added_users), len(removed), len(changed_users), unchanged, len(left_out), not_in_file)
    summary = field_summary(changed_users)
    classes = class_summary(changed_users)
    gate = evaluate_gate(counts, classes, summary, opts)
    return DiffResult(
        backup=str(backup.path),
        candidate=str(candidate.path),
        candidate_kind=candidate.kind,
        key=keys.key,
        counts=counts,
        fields=summary,
        classes=classes,
        users=tuple(changed_users + added_users + removed + left_out),
        gate=gate,
        redacted=opts.redact,
    )


@dataclass(frozen=True)
class _Unmatched:
    """A user without a match by key (a backup user gone, a candidate user added), held encoded until it is paired or reported."""

    key: str
    enc: bytes
    pos: int
    src: Source
    conn: str | None  # the connection an emit folder's manifest gives it
    email: str | None
    user_id: str | None
    connection: str | None  # its own, or `conn`


def _unmatched(key: str, enc: bytes, pos: int, src: Source, conn: str | None, user: dict[str, Any]) -> _Unmatched:
    uid = user.get("user_id")
    own = conn if conn is not None else fields.user_connection(user)
    return _Unmatched(key, enc, pos, src, conn, _email(user), uid if type(uid) is str and uid else None, own)


class _Comparer:
    """The field changes between a backup user and its candidate, on what the candidate can carry."""

    def __init__(self, opts: DiffOptions) -> None:
        self.redact = opts.redact
        #: per sheet: its columns' paths, and whether it is completed from the tenant (no type information)
        self.sheets: dict[int, tuple[tuple[tuple[Any, ...], ...], bool]] = {}

    def __call__(self, old: dict[str, Any], user: dict[str, Any], src: Source, conn: str | None) -> tuple[FieldChange, ...]:
        """() when they do not differ."""
        if conn is not None or is_import_shaped(user) or is_import_shaped(old):
            new_form = import_form(user, conn)
            # an upsert leaves a field an import file does not carry as it is in the tenant
            carried = new_form if conn is not None or in_import_file(src, user) else None
            if carried is not None and old.get("email_verified") is True and "email_verified" not in new_form:
                # but an import without email_verified resets it to false (lint BE805; emit's rollback restores it)
                new_form = carried = {**new_form, "email_verified": False}
            old_form = import_form(old, fields.user_connection(old) if conn is not None else None, carried)
        else:
            old_form, new_form = old, user
        if src.format in TABULAR:
            sheet = self.sheets.get(id(src))
            if sheet is None:
                sheet = self.sheets[id(src)] = (tuple(c.path for c in src.columns if c.path), completes_metadata(src))
            cols, completing = sheet
            if completing:  # as `emit --backup` writes it: the sheet's leaves over the tenant's objects
                new_form = complete_metadata(new_form, old_form) or new_form
            old_form, new_form = on_columns(old_form, cols), on_columns(new_form, cols)
        if jsonio.canonical(old_form) == jsonio.canonical(new_form):
            return ()
        # () too when the serialisations differ but no JSON value does (-0.0 vs 0.0)
        return field_changes(old_form, new_form, redact=self.redact)


def _changed(
    bk: str,
    keys: Keys,
    opts: DiffOptions,
    old: dict[str, Any],
    user: dict[str, Any],
    backup_at: str,
    candidate_at: str,
    changes: tuple[FieldChange, ...],
    note: str | None = None,
) -> UserDiff:
    worst = min((c.cls for c in changes), key=RANK.__getitem__)
    label = _email(user) or _email(old)
    return UserDiff(_show_key(bk, keys, opts), "changed", _mask_email(label, opts), backup_at, candidate_at, worst, changes, note)


def _left_out_why(left_out: dict[str, str], u: _Unmatched, keys: Keys) -> str | None:
    """Why `emit` left this backup user out of its chunks (manifest `left_out`), or None."""
    why = left_out.get(u.user_id) if u.user_id is not None else None
    if why is None and keys.key == "email" and u.email is not None:
        why = left_out.get(u.email.lower())
    return why


def _pair_by_other_identity(gone: list[_Unmatched], added: list[_Unmatched], keys: Keys) -> list[tuple[int, int, str]]:
    """(index in `gone`, index in `added`, note) of each removed and added user that are one user whose key changed.

    Paired by user_id under --key email (prefix-aware); by email (case-insensitive) in
    the same connection under --key user_id, where a user that names no connection is
    paired only when it is the one user of that email left on the other side.
    """
    if not gone or not added:
        return []
    pairs: list[tuple[int, int, str]] = []
    taken: set[int] = set()
    if keys.key == "email":
        by_uid: dict[str, int] = {}
        for i, b in enumerate(gone):
            if b.user_id is not None:
                by_uid.setdefault(b.user_id, i)
        for j, a in enumerate(added):
            hit = user_id_lookup(by_uid, a.user_id) if a.user_id is not None else None
            if hit is not None and by_uid[hit] not in taken:
                taken.add(by_uid[hit])
                pairs.append((by_uid[hit], j, "paired by user_id: its email changed (an import would add a new user and keep the old one)"))
        return pairs
    by_email: dict[str, list[int]] = {}
    for i, b in enumerate(gone):
        if b.email:
            by_email.setdefault(b.email.lower(), []).append(i)
    for j, a in enumerate(added):
        same = by_email.get(a.email.lower(), ()) if a.email else ()
        hits = [i for i in same if i not in taken and (a.connection is None or gone[i].connection in (None, a.connection))]
        if len(hits) == 1:
            taken.add(hits[0])
            pairs.append((hits[0], j, "paired by email: its user_id changed (an import does not change a user_id)"))
    return pairs


def _email(user: dict[str, Any]) -> str | None:
    e = user.get("email")
    return e if type(e) is str else None


def _show_key(k: str, keys: Keys, opts: DiffOptions) -> str:
    if keys.key == "email":
        k = k.split("\x00", 1)[0]
        return mask_email(k) if opts.redact else k
    # enterprise user_ids can hold an email (`samlp|corp|jane@corp.example`)
    return EMAIL_RE.sub(lambda m: mask_email(m.group(0)), k) if opts.redact else k


def _mask_email(value: str | None, opts: DiffOptions) -> str | None:
    return mask_email(value) if (opts.redact and value is not None) else value
