"""Join a sheet to its backup and turn the cells a person changed into typed edits.

`prepare(backup, sheet_path, ...)` reads the sheet into rows keyed by user_id (or
email), checks the backup's keys once (rows added, rows deleted, key cells
changed), and returns a `SheetEditor` for the edit engine (bulkedit.edit.apply):
for each backup user, `edit(user)` compares every cell of the user's row with
the user's own value as `convert` wrote it; only cells that differ become
changes, typed by the column's recorded type, so an untouched user is returned
as is and written as its original bytes. Cells a spreadsheet evidently damaged
are refused (the row and column named) unless their code is accepted.

The editor is in sheet/editor.py; the checks of rows that would add users in sheet/newrows.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bulkedit.edit.apply import EditProblems
from bulkedit.edit.result import Notice
from bulkedit.errors import RefusedError, UsageError
from bulkedit.io import tabular
from bulkedit.io.read import Source, reporting
from bulkedit.sheet import damage
from bulkedit.sheet.damage import Damage
from bulkedit.sheet.editor import SheetEditor
from bulkedit.sheet.newrows import EMAIL_TWICE, copied_rows, new_user_problems
from bulkedit.sheet.read import SheetRow, column_name, key_value, read_sheet

#: How many rows a refusal message lists before counting the rest.
SHOW_ROWS = 10


def parse_accept(codes: Iterable[str]) -> frozenset[str]:
    """`--accept-damage` values (repeatable, comma-separated; `all` accepts every code)."""
    out: set[str] = set()
    for item in codes:
        for code in item.split(","):
            code = code.strip()
            if not code:
                continue
            if code == "all":
                out.update(damage.CODES)
            elif code not in damage.CODES:
                raise UsageError(f"--accept-damage: unknown damage code {code!r}", hint=f"codes: {', '.join(damage.CODES)}")
            else:
                out.add(code)
    return frozenset(out)


def prepare(
    backup: Source,
    sheet_path: Path,
    *,
    key: str = "user_id",
    allow_new: bool = False,
    accept: Iterable[str] = (),
    keep_damaged: bool = False,
    workdir: Path | None = None,
    show_rows: int | None = SHOW_ROWS,
    check_new_users: bool = True,
    progress: Callable[[int], None] | None = None,
) -> SheetEditor:
    """Read the sheet, check it against the backup's keys, and return the editor that applies it.

    `keep_damaged`: a cell flagged as damage (and not accepted) keeps the backup's
    value instead of refusing the edit. Raises RefusedError (exit 1, nothing
    written) for what cannot be applied as a per-user change: refused file-level damage, a key
    found in two rows, rows no backup user matches (without `allow_new`; with it, rows that
    cannot be a new user, unless not `check_new_users`), or a changed key cell. `show_rows`
    caps each list in the message (None: all). `progress` is told the bytes read so far:
    the sheet's, then the backup's.
    """
    accepted = parse_accept(accept)
    sheet = read_sheet(sheet_path, key=key, workdir=workdir, progress=progress)
    sheet_size = Path(sheet_path).stat().st_size
    editor = SheetEditor(sheet, key, accepted, keep_damaged)
    problems: list[str] = []
    codes: set[str] = set()  # of the refusals, for the hint
    for d in sheet.findings:
        if d.refused and d.code not in accepted and not keep_damaged:
            problems.append(f"{sheet.where(d.row)}: {d.code}: {d.message}")
            codes.add(d.code)
        elif d.refused and d.code not in accepted:  # read anyway; damaged cells keep the backup's values
            editor.warnings.append(Notice(d.code, d.message, sheet.where(d.row)))
        elif d.refused:
            editor._accepted[(d.row or 0, d.code)] = d
        else:
            editor.warnings.append(Notice(d.code, d.message, sheet.where(d.row)))
    problems += _first(
        [f"{sheet.where(again)}: sheet-duplicate-row: {key} {dup!r} is also on row {first}" for dup, first, again in sheet.duplicates],
        show_rows,
        f"rows repeating a {key}",
    )
    if sheet.blank_rows:
        editor.warnings.append(
            Notice("sheet-blank-rows", f"empty rows ignored: {sheet.blank_rows:,} (an empty row adds nobody)", str(sheet.path))
        )
    if not sheet.typed:
        editor.warnings.append(
            Notice(
                "sheet-untyped",
                (f"the sheet is Auth0's CSV export{' saved as XLSX' if sheet.xlsx else ''}, which" if sheet.auth0_escaped else "the sheet")
                + " carries no column types"
                + ("" if sheet.auth0_escaped else " (its hidden sheet or .bulkedit.json sidecar is gone)")
                + ": columns are typed as `convert` types them for this backup",
                str(sheet.path),
            )
        )
    else:
        made = sheet.recorded_columns() or set()
        added = [column_name(c) for c in sheet.columns if c.path and column_name(c) not in made]
        if added:
            editor.warnings.append(
                Notice(
                    "sheet-new-column",
                    f"columns not made by convert: {', '.join(added[:10])}: their cells add or change those fields",
                    sheet.where(1),
                )
            )
    recorded = sheet.source_sha256
    if recorded is not None and recorded != backup.sha256():
        editor.warnings.append(
            Notice(
                "sheet-source-differs",
                f"the sheet was made from another file ({sheet.meta.get('source', '?')}, sha256 {recorded[:12]}...) than"
                f" {backup.path.name}: cells that differ from this backup count as edits",
                str(sheet.path),
            )
        )
    # one pass over the backup's keys: rows added, key cells changed
    other = "email" if key == "user_id" else "user_id"
    keys: set[str] = set()
    by_other: dict[str, str] = {}
    other_col = next((c for c in editor._cols if c.path == (other,)), None)
    twice: dict[str, list[int]] = {}
    # a sheet without its type record: the backup says how `convert` typed each column
    inferred = None if sheet.typed else tabular.ColumnSet(xlsx=sheet.xlsx)
    for rec in reporting(backup.records(), backup, progress, sheet_size):
        user = rec.user
        if inferred is not None:
            inferred.add_user(user)
        k: str | None = key_value(user.get(key), key)
        if k is not None:
            if k in keys and k in sheet.rows:
                twice.setdefault(k, []).append(rec.pos)
            keys.add(k)
            if other_col is not None:
                o = key_value(user.get(other), other)
                if o is not None:
                    by_other[o] = user[key]  # as the backup has it, to show it in messages
    if inferred is not None:
        editor.infer_kinds(inferred)
    problems += _first(
        [
            f"{sheet.where(sheet.rows[k].row)}: sheet-ambiguous-key: {len(lines) + 1} backup users have {key} {k!r}"
            f" (also {backup.where(lines[0])}); match rows by --key {other}"
            for k, lines in twice.items()
        ],
        show_rows,
        f"{key}s shared by several backup users",
    )
    unmatched = [(k, r) for k, r in sheet.rows.items() if k not in keys]
    new_rows = [r for _, r in unmatched] + sheet.keyless
    changed_keys: list[str] = []
    if other_col is not None and by_other:
        still_new = []
        for r in new_rows:
            o = r.key(other_col.index, other, quoted=sheet.quoted)
            if o is not None and o in by_other and key_value(by_other[o], key) not in sheet.rows:
                changed_keys.append(
                    f"{sheet.where(r.row)}: change-{key}: the {key} cell of the user with {other} {o!r} was changed"
                    f" (was {by_other[o]!r}); {key} cannot be changed by an import"
                )
            else:
                still_new.append(r)
        new_rows = still_new
    problems += _first(changed_keys, show_rows, f"changed {key} cells")
    new_rows.sort(key=lambda r: r.row)
    if new_rows and not allow_new:
        problems += _first(
            [f"{sheet.where(r.row)}: sheet-new-row: no backup user has this row's {key}" for r in new_rows], show_rows, "new rows"
        )
        problems.append("rows for new users are applied only with --allow-new")
    elif new_rows:
        bad_rows: list[str] = []
        candidates: list[tuple[SheetRow, dict[str, Any]]] = []
        for r in new_rows:
            user, bad = editor.build_new_user(r)
            bad_rows.extend(f"{n.where}: {n.code}: {n.message}" for n in bad)
            codes.update(n.code for n in bad)
            candidates.append((r, user))
        if check_new_users:
            found = new_user_problems(candidates, backup, by_other if key == "user_id" else {})
            found += copied_rows(candidates, backup)
            bad_rows += [f"{sheet.where(row)}: {code}: {text}" for row, code, text in found]
            codes.update(code for _, code, _ in found)
        problems += _first(bad_rows, show_rows, "problems of new rows")
        editor.new_users.extend(user for _, user in candidates if user)
    if problems:
        raise RefusedError(
            "the sheet cannot be applied:\n  " + "\n  ".join(problems),
            where=str(sheet.path),
            hint=_refusal_hint(codes),
        )
    return editor


def _refusal_hint(codes: set[str]) -> str:
    """The hint of prepare's refusal: the ways out of the refusals it holds (`codes`)."""
    hint = "fix these rows in the sheet"
    if codes & damage.CODES.keys():
        hint += " (or accept damage codes with --accept-damage CODE)"
    if EMAIL_TWICE in codes:
        hint += (
            "; two new rows with one email in one connection would be one user: keep one row per new user"
            " (or give the other its own email)"
        )
    return hint + "; nothing was written"


def _first(lines: list[str], show: int | None, what: str) -> list[str]:
    """The first `show` of `lines` (all when None) and a count of the rest."""
    if show is None or len(lines) <= show:
        return lines
    return [*lines[:show], f"... and {len(lines) - show:,} more {what} (--show-refusals 0 lists them all)"]


def find_damage(backup: Source, sheet_path: Path, *, key: str = "user_id", workdir: Path | None = None) -> list[Damage]:
    """Every damage finding of a sheet against its backup (file-level and per cell), refusing nothing."""
    editor = prepare(backup, sheet_path, key=key, allow_new=True, accept=damage.CODES, workdir=workdir, check_new_users=False)
    for user in backup.users():
        with contextlib.suppress(EditProblems):
            editor.edit(user)
    found = [d for d in editor.sheet.findings] + list(editor._accepted.values())
    unique = {(d.code, d.row, d.column): d for d in found}
    return sorted(unique.values(), key=lambda d: (d.row or 0, d.column or "", d.code))

