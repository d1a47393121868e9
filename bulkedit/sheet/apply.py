"""Join a sheet to its backup and turn the cells a person changed into typed edits.

`prepare(backup, sheet_path, ...)` reads the sheet into rows keyed by user_id (or
email), checks the backup's keys once (rows added, rows deleted, key cells
changed), and returns a `SheetEditor` for the edit engine (bulkedit.edit.apply):
for each backup user, `edit(user)` compares every cell of the user's row with
the user's own value as `convert` wrote it; only cells that differ become
changes, typed by the column's recorded type, so an untouched user is returned
as is and written as its original bytes. Cells a spreadsheet evidently damaged
are refused (the row and column named) unless their code is accepted.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bulkedit.edit.apply import EditorNotes, EditProblems
from bulkedit.edit.guards import check_user
from bulkedit.edit.result import Notice
from bulkedit.edit.values import Conflict, assoc, dissoc, same
from bulkedit.errors import RefusedError, UsageError
from bulkedit.io import tabular
from bulkedit.io.read import Source, reporting
from bulkedit.io.read.table import auth0_date
from bulkedit.paths import MISSING, PathConflict, set_path
from bulkedit.paths import Path as FieldPath
from bulkedit.sheet import damage
from bulkedit.sheet.damage import Damage, check_cell
from bulkedit.sheet.read import Sheet, SheetRow, column_name, key_value, read_sheet

#: How many rows a refusal message lists before counting the rest.
SHOW_ROWS = 10
#: Two new rows add users with one email in one connection.
EMAIL_TWICE = "sheet-new-user-email-twice"


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


def _kind_of(value: Any) -> str:
    t = type(value)
    if t is str:
        return tabular.STRING if value else tabular.JSON
    if t is bool:
        return tabular.BOOLEAN
    if t is int:
        return tabular.INTEGER
    if t is float:
        return tabular.NUMBER
    return tabular.JSON


@dataclass
class _Col:
    index: int
    name: str
    path: FieldPath
    kind: str | None


@dataclass
class SheetEditor:
    """An editor for bulkedit.edit.apply: each backup user's row of the sheet, cell by cell."""

    sheet: Sheet
    key: str
    accept: frozenset[str]
    keep_damaged: bool = False
    new_users: list[dict[str, Any]] = field(default_factory=list)
    missing_rows: int = 0
    warnings: list[Notice] = field(default_factory=list)
    _cols: list[_Col] = field(default_factory=list)
    _accepted: dict[tuple[int, str], Damage] = field(default_factory=dict)
    _seen_missing: set[str] = field(default_factory=set)
    _text_in_json: dict[tuple[int, str], Notice] = field(default_factory=dict)
    _email_case: dict[int, Notice] = field(default_factory=dict)
    _refused_codes: set[str] = field(default_factory=set)
    _kept: dict[tuple[int, str], Damage] = field(default_factory=dict)

    def __post_init__(self) -> None:
        recorded = self.sheet.recorded_columns()
        self._cols = [
            # a column the type record does not name (one a person added) has no type of its own
            _Col(i, name, c.path, c.kind if recorded is None or name in recorded else None)
            for i, c in enumerate(self.sheet.columns)
            if c.path
            for name in (column_name(c),)
        ]
        self._xlsx = self.sheet.xlsx
        # under --key email the email cell is the key, matched case-insensitively as Auth0 stores emails lower-case
        self._email_key = next((c for c in self._cols if c.path == ("email",)), None) if self.key == "email" else None
        self._paths = [c.path for c in self._cols]
        self._typed = self.sheet.typed

    def infer_kinds(self, columns: tabular.ColumnSet) -> None:
        """Type the columns of a sheet that lost its type record the way `convert` typed them for this backup."""
        for col in self._cols:
            if col.kind is None:
                col.kind = columns.kinds.get(col.path)

    # -- the editor protocol -----------------------------------------------------------

    def edit(self, user: dict[str, Any]) -> dict[str, Any] | None:
        k = key_value(user.get(self.key), self.key)
        hit = self.sheet.rows.get(k) if k is not None else None
        if hit is None:
            if k is not None and k not in self._seen_missing:
                self._seen_missing.add(k)
                self.missing_rows += 1
            return None
        return self.edit_row(user, hit)

    def extra(self) -> Iterator[dict[str, Any]]:
        yield from self.new_users

    def notes(self) -> EditorNotes:
        out = list(self.warnings)
        if self.missing_rows:
            out.append(
                Notice(
                    "sheet-rows-missing",
                    f"{self.missing_rows:,} users of the backup have no row in the sheet: they stay as they are"
                    " (deleting a row deletes nobody)",
                    where=str(self.sheet.path),
                )
            )
        out.extend(self._text_in_json.values())
        out.extend(self._email_case.values())
        if self._refused_codes:
            codes = ",".join(sorted(self._refused_codes))
            out.append(
                Notice(
                    "sheet-damage-refused",
                    "cells a spreadsheet changed were refused: keep the backup's values for them with --keep-damaged,"
                    f" or apply them as they are with --accept-damage {codes}",
                    str(self.sheet.path),
                )
            )
        for d in self._kept.values():
            out.append(
                Notice(f"kept-{d.code}", f"kept the backup's value: {d.message}", self.sheet.where(d.row), path=d.column)
            )
        for d in self._accepted.values():
            out.append(
                Notice(f"accepted-{d.code}", f"accepted damage: {d.message}", self.sheet.where(d.row), path=d.column)
            )
        return EditorNotes(
            warnings=tuple(out),
            refusal_hint="fix those cells in the sheet; cells a spreadsheet damaged keep the backup's values with"
            " --keep-damaged",
        )

    # -- one row -------------------------------------------------------------------

    def edit_row(self, user: dict[str, Any], hit: SheetRow) -> dict[str, Any] | None:
        cells = hit.cells
        ncells = len(cells)
        xlsx = self._xlsx
        new = user
        problems: list[Notice] = []
        escaped = self.sheet.auth0_escaped
        sheet_guarded = self.sheet.guarded
        typed = self._typed
        for col, old in zip(self._cols, tabular.flatten_row(user, self._paths), strict=True):
            cell = cells[col.index] if col.index < ncells else None
            kind = col.kind or (_kind_of(old) if old is not MISSING else tabular.STRING)
            guarded = sheet_guarded
            if escaped and type(cell) is str and cell[:1] == "'":
                # Auth0's escaped export: a leading ' marks a string in any column (see _unescaped)
                cell, kind, guarded = cell[1:], tabular.STRING, False
                if cell == old:
                    continue
            elif _unchanged(cell, old, kind, xlsx):
                continue
            if col is self._email_key and self._same_email(cell, old, hit.row, guarded):
                continue
            if not typed and _untyped_unchanged(cell, old, kind, xlsx):
                continue
            value = self._cell_value(cell, kind, old, hit.row, col, problems, guarded=guarded)
            if value is _SKIP:
                continue
            if value is MISSING and old is MISSING:
                continue
            if value is not MISSING and old is not MISSING and same(value, old):
                continue
            try:
                new = dissoc(new, col.path) if value is MISSING else assoc(new, col.path, value)
            except Conflict as exc:
                problems.append(
                    Notice("sheet-cell-conflict", f"column {col.name!r}: {exc}", self.sheet.where(hit.row), path=col.name)
                )
        if new is not user:
            # the edit issue's guards, named by the sheet's row (the engine would name the backup's line)
            refusals, _ = check_user(user, new)
            for g in refusals:
                problems.append(
                    Notice(g.code, f"{g.message} (sheet column {g.path!r})", self.sheet.where(hit.row), path=g.path, old=g.old, new=g.new)
                )
        if problems:
            raise EditProblems(problems)
        return None if new is user else new

    def _unescaped(self, cell: Any, kind: str) -> tuple[Any, str, bool]:
        """(cell, kind, guarded) to read `cell` by. In Auth0's escaped export a leading `'` marks a string in any
        column (the reader removes it), also in one the backup's mixed types make JSON."""
        if self.sheet.auth0_escaped and type(cell) is str and cell[:1] == "'":
            return cell[1:], tabular.STRING, False
        return cell, kind, self.sheet.guarded

    def _same_email(self, cell: Any, old: Any, row: int, guarded: bool) -> bool:
        """The email key cell names the backup's email in another case: no change (noted once per row)."""
        if type(cell) is not str or type(old) is not str:
            return False
        text = (tabular.unneutralise(cell) if guarded else cell).strip()
        if text.lower() != old.strip().lower():
            return False
        self._email_case[row] = Notice(
            "sheet-email-case",
            f"email {text!r} differs from the backup's {old!r} only in case: Auth0 stores emails lower-case,"
            " so it is the same user; the backup's value is kept",
            self.sheet.where(row),
            path="email",
        )
        return True

    def _cell_value(
        self, cell: Any, kind: str, old: Any, row: int, col: _Col, problems: list[Notice], *, guarded: bool
    ) -> Any:
        """The value `cell` gives the column (`guarded`: a text cell carries the `'` formula guard)."""
        if col.kind is None and old is MISSING and self._xlsx:
            # no type recorded and no value to keep: an XLSX boolean or date cell is what the person chose
            if type(cell) is bool:
                return cell
            if isinstance(cell, datetime):
                return auth0_date(cell)
        found = check_cell(cell, kind, old)
        if found is not None:
            code, message = found
            d = Damage(code, row, col.name, message, None if cell is None else str(cell), old)
            if code not in self.accept and self.keep_damaged and damage.CODES[code][0]:
                self._kept[(row, col.name)] = d
                return _SKIP
            if code not in self.accept:
                self._refused_codes.add(code)
                problems.append(
                    Notice(
                        code,
                        f"column {col.name!r}: {message}",
                        self.sheet.where(row),
                        path=col.name,
                        old=old,
                        new=cell if type(cell) in (str, int, float, bool) else str(cell),
                    )
                )
                return _SKIP
            self._accepted[(row, col.name)] = d
            if code == damage.BOOLEAN_CASE and kind == tabular.JSON:
                return str(cell).strip().lower() == "true"
            if code == damage.DECIMAL_COMMA:  # accepted: read it the way the spreadsheet's locale meant it
                cell = str(cell).strip().replace(".", "").replace(",", ".")
        try:
            return tabular.decode_cell(cell, kind, guarded=guarded)
        except tabular.CellError as exc:
            text = cell.strip() if type(cell) is str else None
            whole = damage.whole_number(text) if kind == tabular.INTEGER and text else None
            if whole is not None:  # 1E+05 in an integer column: the number 100000 in a spreadsheet's notation
                return whole
            if kind == tabular.JSON and text and text[0] not in '[{"' and not _JSONISH.fullmatch(text):
                # a JSON column holds mixed types (0 in one row, "trial" in another): plain words are text
                self._text_in_json[(row, col.name)] = Notice(
                    "sheet-text-in-json-column",
                    f"column {col.name!r} holds JSON; {cell!r} is not JSON and was taken as the text {cell!r}",
                    self.sheet.where(row),
                    path=col.name,
                )
                return cell
            problems.append(
                Notice(
                    "sheet-invalid-cell",
                    f"column {col.name!r} holds {kind} values: {exc}",
                    self.sheet.where(row),
                    path=col.name,
                    old=old,
                    new=cell if type(cell) in (str, int, float, bool) else str(cell),
                )
            )
            return _SKIP

    def build_new_user(self, hit: SheetRow) -> tuple[dict[str, Any], list[Notice]]:
        """A user made from a row no backup user matches (with --allow-new)."""
        problems: list[Notice] = []
        user: dict[str, Any] = {}
        for col in self._cols:
            cell = hit.cells[col.index] if col.index < len(hit.cells) else None
            kind = col.kind or tabular.STRING
            if cell is None or cell == "":
                continue
            cell, kind, guarded = self._unescaped(cell, kind)
            value = self._cell_value(cell, kind, MISSING, hit.row, col, problems, guarded=guarded)
            if value is _SKIP or value is MISSING:
                continue
            try:
                set_path(user, col.path, value)
            except PathConflict as exc:
                problems.append(Notice("sheet-cell-conflict", f"column {col.name!r}: {exc}", self.sheet.where(hit.row)))
        return user, problems


#: Cells of a JSON column that look like a mistyped JSON value rather than a word.
_JSONISH = re.compile(r"-?[0-9.][0-9.eE+-]*|true|false|null|TRUE|FALSE|NULL|True|False", re.ASCII)


class _Skip:
    pass


_SKIP = _Skip()


def _unchanged(cell: Any, old: Any, kind: str, xlsx: bool) -> bool:
    """True when `cell` is exactly what `convert` wrote for `old` (the fast path for untouched cells)."""
    if cell is None or cell == "":
        return old is MISSING
    if old is MISSING:
        return False
    if xlsx:
        enc = tabular.encode_xlsx(old, kind)
        return type(enc) is type(cell) and enc == cell
    return tabular.encode_text(old, kind) == cell


def _untyped_unchanged(cell: Any, old: Any, kind: str, xlsx: bool) -> bool:
    """True when `cell` of a sheet without a type record says `old`: it is either of convert's renderings
    of the value, or it is empty where the value is null (Auth0's CSV export writes null as an empty cell)."""
    if cell is None or cell == "":
        return old is None or old is MISSING
    return _unchanged(cell, old, tabular.JSON if kind != tabular.JSON else _kind_of(old), xlsx)


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
            found = _new_user_problems(candidates, backup, by_other if key == "user_id" else {})
            found += _copied_rows(candidates, backup)
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


def _connection(user: dict[str, Any]) -> Any:
    ids = user.get("identities")
    return ids[0].get("connection") if type(ids) is list and ids and type(ids[0]) is dict else None


def _new_user_problems(
    made: list[tuple[SheetRow, dict[str, Any]]], backup: Source, user_ids_by_email: dict[str, str]
) -> list[tuple[int, str, str]]:
    """(row, code, message) of rows that cannot become a valid new user: no email (the import
    requires it), an email a backup user of the same connection already has (the import would
    update that user, or fail with DUPLICATED_USER), an email an earlier new row of the same
    connection has (likewise), `blocked` (an import cannot block)."""
    out: list[tuple[int, str, str]] = []
    taken: dict[int, str] = {}
    new_rows_by_email: dict[str, list[tuple[int, Any]]] = {}
    for r, user in made:
        email = key_value(user.get("email"), "email")
        if email is None:
            has = "neither user_id nor email" if key_value(user.get("user_id"), "user_id") is None else "no email"
            out.append((r.row, "sheet-new-user-no-email", f"the row has {has}; a new user needs an email"))
        elif email in user_ids_by_email:
            taken[r.row] = user_ids_by_email[email]
        if email is not None:
            mine = _connection(user)
            earlier = new_rows_by_email.setdefault(email, [])
            first = next((row for row, conn in earlier if mine is None or conn is None or conn == mine), None)
            if first is not None:
                out.append(
                    (r.row, EMAIL_TWICE, f"row {first} adds a user with the same email {user['email']!r};"
                     " the import would reject the second (DUPLICATED_USER): keep one of the two rows")
                )
            earlier.append((r.row, mine))
        if user.get("blocked") is True:
            out.append((r.row, "sheet-new-user-blocked", "blocked is true; an import cannot block a user"))
    if taken:  # rare: read the backup again for the connections of the users whose email is taken
        wanted = set(taken.values())
        conns = {u["user_id"]: _connection(u) for u in backup.users() if u.get("user_id") in wanted}
        for r, user in made:
            uid = taken.get(r.row)
            mine = _connection(user)
            if uid is not None and (mine is None or mine == conns.get(uid)):
                out.append(
                    (r.row, "sheet-new-user-email-taken", f"backup user {uid!r} already has the email {user['email']!r};"
                     " edit that user's row instead")
                )
    return sorted(out, key=lambda item: item[0])


def _ids(user: dict[str, Any]) -> set[str]:
    """The user_ids a user carries: its own, and its first identity's (`provider|user_id`)."""
    out = set()
    uid = user.get("user_id")
    if type(uid) is str and uid:
        out.add(uid)
    ids = user.get("identities")
    if type(ids) is list and ids and type(ids[0]) is dict:
        iid, provider = ids[0].get("user_id"), ids[0].get("provider")
        if type(iid) in (str, int) and str(iid):
            out.add(f"{provider if type(provider) is str else 'auth0'}|{iid}")
    return out


def _copied_rows(made: list[tuple[SheetRow, dict[str, Any]]], backup: Source) -> list[tuple[int, str, str]]:
    """(row, code, message) of new rows that carry a backup user's user_id (in the user_id cell or the
    identity's): a row copied from that user's and given another key. As a new user it would be a
    second user with the same user_id (under --key email its user_id cell, even emptied, is no key)."""
    wanted: dict[str, list[int]] = {}
    for r, user in made:
        for ident in _ids(user):
            wanted.setdefault(ident, []).append(r.row)
    if not wanted:
        return []
    found: dict[int, tuple[int, str, str]] = {}
    for u in backup.users():  # rare: only new rows that carry a user_id get here
        for ident in _ids(u) & wanted.keys():
            for row in wanted[ident]:
                found.setdefault(row, (
                    row, "sheet-copied-row",
                    f"the row carries user_id {ident!r} of backup user {u.get('user_id')!r} ({u.get('email')!r}): it was"
                    " copied from that user's row, and would add a second user with the same user_id; for a new user"
                    " empty its user_id and identities cells, or edit that user's own row",
                ))
    return list(found.values())


def find_damage(backup: Source, sheet_path: Path, *, key: str = "user_id", workdir: Path | None = None) -> list[Damage]:
    """Every damage finding of a sheet against its backup (file-level and per cell), refusing nothing."""
    editor = prepare(backup, sheet_path, key=key, allow_new=True, accept=damage.CODES, workdir=workdir, check_new_users=False)
    for user in backup.users():
        with contextlib.suppress(EditProblems):
            editor.edit(user)
    found = [d for d in editor.sheet.findings] + list(editor._accepted.values())
    unique = {(d.code, d.row, d.column): d for d in found}
    return sorted(unique.values(), key=lambda d: (d.row or 0, d.column or "", d.code))
