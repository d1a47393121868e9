"""The edit engine: stream users through an editor, guard every change, write atomically.

The engine does not know where changes come from. An *editor* is any object with

    edit(user: dict) -> dict | None

returning the edited user (a new dict; never mutate `user`), or None (or `user`
itself) when the user stays as it is. To refuse one user (a value that cannot be
built, a damaged spreadsheet cell) raise `EditProblems([Notice(...)])`: the
user is named in the refusals and nothing is written. Optional methods:

    notes() -> EditorNotes     # per-step counts and warnings, read after the pass
    written() -> list[path]    # the paths the last edit() changed: the diff looks only there
    extra() -> Iterable[dict]  # users to append after the input's (new users)

`apply_edits(source, editor, out)` reads every record of `source` once, keeps
unchanged users as their original bytes, diffs changed ones (old -> new per
field), runs the guards (`guards.check_user`) and writes the whole export to
`out` in input order. Any refusal discards the output: nothing is written and
`EditResult.refused` is true. `dry_run=True` makes the same pass without writing.
Memory stays flat: only counts and the first changes/notices are kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

from bulkedit import privacy
from bulkedit.defaults import SHOW_CHANGES
from bulkedit.edit.guards import check_user
from bulkedit.edit.parallel import ranges_for, run_parallel
from bulkedit.edit.result import Change, EditResult, Notice, StepStat
from bulkedit.edit.values import diff, diff_at
from bulkedit.io import detect as fmt
from bulkedit.io import tabular
from bulkedit.io.atomic import refuse_overwriting_inputs
from bulkedit.io.read import Record, Source, reporting
from bulkedit.io.write import WriteResult, output_format, write_users
from bulkedit.paths import format_path

#: How many changes and notices a result keeps (the rest are counted).
SHOW_NOTICES = 50
SHOW_PER_WARNING = 10
#: What to do about a refused change when the editor does not say (a plan's terms).
REFUSAL_HINT = "remove those changes from the edit, or narrow its `where`"


class EditProblems(Exception):
    """Raised by an editor for a user it cannot edit; each notice becomes a refusal for that user."""

    def __init__(self, notices: list[Notice]) -> None:
        super().__init__("; ".join(n.message for n in notices))
        self.notices = notices


@dataclass(frozen=True)
class EditorNotes:
    """What an editor reports after the pass: per-step counts and its own warnings."""

    steps: tuple[StepStat, ...] = ()
    warnings: tuple[Notice, ...] = ()
    refusal_hint: str | None = None  # what to do about a refusal, in the editor's terms


class Editor(Protocol):
    def edit(self, user: dict[str, Any]) -> dict[str, Any] | None: ...


class _Refused(Exception):
    """Unwinds the writer so the atomic temp file is discarded."""


@dataclass
class _Run:
    source: Source
    editor: Editor
    key: str
    show: int
    show_refusals: int | None = SHOW_NOTICES  # None: every refusal
    read: int = 0
    changed: int = 0
    refused_users: int = 0
    changes_total: int = 0
    fields: dict[str, int] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    warning_counts: dict[str, int] = field(default_factory=dict)
    refusals: list[Notice] = field(default_factory=list)
    refusal_counts: dict[str, int] = field(default_factory=dict)
    _names: dict[Any, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.written: Callable[[], list[Any]] | None = getattr(self.editor, "written", None)

    def user_key(self, user: dict[str, Any]) -> str:
        value = user.get(self.key)
        return str(value) if value is not None else f"(no {self.key})"

    @staticmethod
    def private(notice: Notice, secrets: set[str]) -> Notice:
        """`notice` without any of the user's secrets in its values or message."""
        if not secrets:
            return notice
        return Notice(notice.code, privacy.scrub(notice.message, secrets), notice.where, notice.key, notice.path,
                      privacy.scrub_value(notice.old, secrets), privacy.scrub_value(notice.new, secrets))

    def refuse(self, notice: Notice) -> None:
        self.refusal_counts[notice.code] = self.refusal_counts.get(notice.code, 0) + 1
        if self.show_refusals is None or len(self.refusals) < self.show_refusals:
            self.refusals.append(notice)

    def warn(self, notice: Notice) -> None:
        n = self.warning_counts.get(notice.code, 0)
        self.warning_counts[notice.code] = n + 1
        if n < SHOW_PER_WARNING and len(self.warnings) < SHOW_NOTICES:
            self.warnings.append(notice)

    _STATE = ("read", "changed", "refused_users", "changes_total", "fields", "changes", "warnings",
              "warning_counts", "refusals", "refusal_counts")  # fmt: skip

    def export(self) -> dict[str, Any]:
        """What this run collected, as plain data (a worker sends it to the parent)."""
        return {name: getattr(self, name) for name in self._STATE}

    def absorb(self, other: dict[str, Any]) -> None:
        """Add the collection of a run over the records that come after this one's."""
        for name in ("read", "changed", "refused_users", "changes_total"):
            setattr(self, name, getattr(self, name) + other[name])
        for name in ("fields", "refusal_counts"):
            mine = getattr(self, name)
            for k, n in other[name].items():
                mine[k] = mine.get(k, 0) + n
        self.changes.extend(other["changes"][: max(0, self.show - len(self.changes))])
        room = None if self.show_refusals is None else max(0, self.show_refusals - len(self.refusals))
        self.refusals.extend(other["refusals"][:room])
        kept: dict[str, int] = {}
        for w in self.warnings:
            kept[w.code] = kept.get(w.code, 0) + 1
        for w in other["warnings"]:
            if kept.get(w.code, 0) < SHOW_PER_WARNING and len(self.warnings) < SHOW_NOTICES:
                self.warnings.append(w)
                kept[w.code] = kept.get(w.code, 0) + 1
        for k, n in other["warning_counts"].items():
            self.warning_counts[k] = self.warning_counts.get(k, 0) + n

    def process(self, rec: Record) -> Record:
        """The record to write for `rec`, collecting changes, warnings and refusals."""
        self.read += 1
        user = rec.user
        try:
            new = self.editor.edit(user)
        except EditProblems as exc:
            self.refused_users += 1
            at, who = self.source.where(rec.pos), self.user_key(user)
            held = privacy.secret_values(user)
            for n in exc.notices:
                self.refuse(self.private(Notice(n.code, n.message, n.where or at, n.key or who, n.path, n.old, n.new), held))
            return rec
        if new is None or new is user:
            return rec
        written = self.written
        changes = diff(user, new) if written is None else diff_at(user, new, written())
        if not changes:
            return rec
        touched = {c[0][0] for c in changes}
        where: str | None = None
        key: str | None = None
        refusals, warnings = check_user(user, new, touched)
        secrets: set[str] | None = None
        if refusals or warnings:
            where, key = self.source.where(rec.pos), self.user_key(user)
            secrets = privacy.secret_values(user) | privacy.secret_values(new)
            if refusals:
                self.refused_users += 1
                for g in refusals:
                    self.refuse(self.private(Notice(g.code, g.message, where, key, g.path, g.old, g.new), secrets))
            for g in warnings:
                self.warn(self.private(Notice(g.code, g.message, where, key, g.path, g.old, g.new), secrets))
        self.changed += 1
        counts = self.fields
        names = self._names
        for change in changes:
            path = change[0]
            name = names.get(path)
            if name is None:
                name = names[path] = format_path(path)
            counts[name] = counts.get(name, 0) + 1
        if len(self.changes) < self.show:
            at = where if where is not None else self.source.where(rec.pos)
            who = key if key is not None else self.user_key(user)
            if secrets is None:  # a value an edit built from a secret (rename, template) is one too
                secrets = privacy.secret_values(user) | privacy.secret_values(new)
            for path, old, value in changes[: self.show - len(self.changes)]:
                if secrets:
                    old, value = privacy.scrub_value(old, secrets), privacy.scrub_value(value, secrets)
                self.changes.append(Change(at, who, names[path], old, value))
        self.changes_total += len(changes)
        return Record(rec.pos, new, None)


def apply_edits(
    source: Source,
    editor: Editor,
    out: Path | None,
    *,
    to: str | None = None,
    dry_run: bool = False,
    key: str = "user_id",
    show: int = SHOW_CHANGES,
    show_refusals: int | None = SHOW_NOTICES,
    meta: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> EditResult:
    """Apply `editor` to every user of `source`; write the result to `out` unless `dry_run` or refused.

    `show`/`show_refusals` cap the changes and refusals the result lists (the rest are counted;
    `show_refusals=None` lists every refusal). `progress(bytes read)` is called as the input is
    read. CSV/XLSX outputs need the columns first, so for them the users are edited twice (the
    first pass collects).
    A large plain NDJSON is edited on two cores when the editor supports it
    (see parallel.py); `workers` caps the processes (1: one process).
    """
    out_format = None
    if out is not None:
        out_format = output_format(out, to)
        refuse_overwriting_inputs(out, [source.path])
    elif not dry_run:
        raise ValueError("apply_edits needs `out` unless dry_run")
    run = _Run(source, editor, key, show, show_refusals)
    extra_fn = getattr(editor, "extra", None)
    added: list[int] = [0]

    def records() -> Iterator[Record]:
        return reporting(source.records(), source, progress)

    def edited(step: Callable[[Record], Record] = run.process, count: bool = True) -> Iterator[Record]:
        """Every record through `step`, then the editor's new users (counted once: `count`)."""
        for rec in records():
            yield step(rec)
        if extra_fn is not None:
            for user in extra_fn():
                if count:
                    added[0] += 1
                yield Record(None, user, None)  # type: ignore[arg-type]

    written = None
    ranges = ranges_for(source, editor, None if dry_run else out_format, workers)
    if ranges is not None:
        done, written = run_parallel(run, None if dry_run else out, ranges)
        if done:
            return _result(run, source, out, out_format, dry_run, written, 0, _notes(editor))
    if dry_run or out is None:
        for _ in edited():
            pass
    elif out_format in (fmt.NDJSON, fmt.JSON):

        def checked() -> Iterator[Record]:
            yield from edited()
            if run.refusal_counts:
                raise _Refused

        with contextlib.suppress(_Refused):  # a refusal unwinds the writer: the temp file is discarded
            written = write_users(out, checked, out_format)
    else:
        columns = tabular.ColumnSet.of(edited(), xlsx=out_format == fmt.XLSX)
        if not run.refusal_counts:
            notes_before = _notes(editor)

            def reedit(rec: Record) -> Record:  # the first pass already collected and checked everything
                try:
                    new = editor.edit(rec.user)
                except EditProblems:  # pragma: no cover - the first pass found none
                    new = None
                return rec if new is None else Record(rec.pos, new, None)

            def again() -> Iterator[Record]:
                return edited(reedit, count=False)

            written = write_users(out, again, cast(str, out_format), meta={**source.provenance(), **(meta or {})}, columns=columns)
            return _result(run, source, out, out_format, dry_run, written, added[0], notes_before)
    return _result(run, source, out, out_format, dry_run, written, added[0], _notes(editor))


def _notes(editor: Editor) -> EditorNotes:
    notes = getattr(editor, "notes", None)
    return notes() if notes is not None else EditorNotes()


def _result(
    run: _Run,
    source: Source,
    out: Path | None,
    out_format: str | None,
    dry_run: bool,
    written: WriteResult | None,
    added: int,
    notes: EditorNotes,
) -> EditResult:
    for w in notes.warnings:
        run.warn(w)
    return EditResult(
        source=str(source.path),
        source_format=source.format,
        output=str(out) if out is not None else None,
        output_format=out_format,
        dry_run=dry_run,
        written=written is not None,
        private=written.private if written is not None else False,
        users_read=run.read,
        users_changed=run.changed,
        users_added=added,
        users_refused=run.refused_users,
        steps=notes.steps,
        fields=dict(sorted(run.fields.items(), key=lambda kv: (-kv[1], kv[0]))),
        changes=tuple(run.changes),
        changes_total=run.changes_total,
        warnings=tuple(run.warnings),
        warning_counts=dict(run.warning_counts),
        refusals=tuple(run.refusals),
        refusal_counts=dict(run.refusal_counts),
        renamed=dict(source.renamed),
        refusal_hint=notes.refusal_hint or REFUSAL_HINT,
    )

