"""The Checker: judges every user against the rules in force and collects findings.

`Checker` holds the rules in force and the state that spans files (duplicates, kept
by `duplicate_keys.DuplicateKeys`; the tenant backup); `emit` uses the same Checker
on what it writes. The per-user
path is kept cheap: the JSON schema (run in Rust by jsonschema-rs) decides whether
a user is valid, and the Python rules that explain schema problems run only for the
users it rejects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulkedit import fields
from bulkedit.defaults import DEFAULT_MAX_PER_RULE
from bulkedit.importfile.convert import (
    complete_metadata,
    completes_metadata,
    identity,
    to_import_user,
    upsert_changes,
)
from bulkedit.io.read import Record, Source
from bulkedit.lint.duplicate_keys import DUP_PATH, NO_POS, DuplicateKeys
from bulkedit.lint.duplicate_keys import user_key as _user_key
from bulkedit.lint.model import FileSummary, Finding, LintResult
from bulkedit.lint.registry import REGISTRY, Rule, Selection, all_rules, config_from_pyproject, select_rules
from bulkedit.lint.schema import fast_export_validator, fast_validator, related, schema_message, validator
from bulkedit.lint.tenant_state import TenantState
from bulkedit.paths import format_path

_IMPORT = fields.IMPORT_FIELDS
_UNUSUAL: frozenset[str] = frozenset({"\x00unusual"})
_EXPORT_ONLY = fields.EXPORT_ONLY_FIELDS


@dataclass(frozen=True)
class LintOptions:
    """What `lint()` checks: rule selection, the backup, how many findings to keep per rule."""

    select: str | None = None
    ignore: str | None = None
    backup: Path | None = None
    max_per_rule: int = DEFAULT_MAX_PER_RULE  # 0: keep all
    config: dict[str, Any] | None = None  # None: [tool.bulkedit] of ./pyproject.toml
    column_map: Path | None = None
    connection: str | None = None  # for users whose file names none (an import file)


@dataclass
class FileContext:
    """What file rules see."""

    source: Source
    judged_as: str
    bytes: int
    has_backup: bool = False
    #: users whose metadata objects were completed from the backup (see `Checker.complete`)
    completed: int = 0
    #: the file lies in an emit folder whose manifest does not list it
    unlisted: bool = False


@dataclass
class Checker:
    """Applies the selected rules to users and collects findings (shared by lint and emit)."""

    selection: Selection
    max_per_rule: int = DEFAULT_MAX_PER_RULE
    tenant: TenantState | None = None
    counts: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    _kept: dict[str, int] = field(default_factory=dict)
    _files: list[str] = field(default_factory=list)
    _agg: dict[tuple[str, str | None], list[Any]] = field(default_factory=dict)
    _sigs: dict[tuple[Any, ...], list[Any]] = field(default_factory=dict)
    _qsigs: dict[tuple[Any, ...], list[Any]] = field(default_factory=dict)
    _shapes: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)
    #: after `quick()` accepted a user: (export-only keys it has, has the auth0| prefix, its connection)
    quick_facts: tuple[Any, ...] = ()
    #: whether the current file's metadata objects are completed from the backup (`complete`;
    #: None: decided at its first user, once the file's columns are known)
    completing: bool | None = False
    _file_source: Source | None = None
    #: (the user `complete` returned, the tenant's user `check` would find for it)
    _found: tuple[dict[str, Any], dict[str, Any] | None] | None = None
    #: users of the current file whose metadata `complete` laid over the backup's
    completed: int = 0
    _completed_last: dict[str, Any] | None = None
    #: users of the current file an import would not change (`unchanged`): not judged, not written
    unchanged_users: int = 0

    def __post_init__(self) -> None:
        sel = self.selection
        # conversion rules: judged per user, or once per kind of conversion at the end of a file
        self.conversion_each = [r for r in sel.rules("conversion") if not r.aggregate]
        self.conversion_once = [r for r in sel.rules("conversion") if r.aggregate]
        self.importing = sel.rules("import")
        self.user_rules = sel.rules("user")
        # every detail rule runs on invalid users (so a schema error it explains is not repeated
        # as BE100 even when the rule is ignored); only selected ones are reported
        self.detail = [r for r in all_rules() if r.kind == "detail"]
        self.duplicates = sel.rules("duplicate")
        self.file_rules = sel.rules("file")
        self.backup_rules = sel.rules("backup") if self.tenant is not None else []
        self.tenant_rules = sel.rules("tenant") if self.tenant is not None else []
        self.schema_on = sel.enabled("BE100")
        self.is_valid = fast_validator()
        self.is_valid_export = fast_export_validator()
        self.dup_keys = DuplicateKeys(self.duplicates)
        self._user_checks = [(r, r.check) for r in self.user_rules if r.gate is None]
        # size rules run only for the few users whose raw bytes pass the smallest gate
        self._sized_checks = [(r.gate, r, r.check) for r in self.user_rules if r.gate is not None]
        self._gate = min((gate for gate, _, _ in self._sized_checks), default=0)

    # -- collecting ---------------------------------------------------------------

    def add(self, rule: Rule, file: str, pos: int | None, path: str | None, kwargs: dict[str, Any], user: str | None) -> None:
        code = rule.code
        if code not in self.selection.severities:
            return
        self.counts[code] = self.counts.get(code, 0) + 1
        if self._room_for(code):
            self.findings.append(
                Finding(code, rule.name, self.selection.severities[code], rule.format(**kwargs), file, pos, path, user)
            )

    def _room_for(self, code: str) -> bool:
        """Whether one more finding of `code` is kept (the first --max-per-rule are); it counts as kept."""
        kept = self._kept.get(code, 0)
        if self.max_per_rule and kept >= self.max_per_rule:
            return False
        self._kept[code] = kept + 1
        return True

    # -- files --------------------------------------------------------------------

    def begin_file(self, name: str, source: Source | None = None) -> int:
        """Start a file; `source` (when read from one) says whether its metadata is completed."""
        self._files.append(name)
        self._agg = {}
        self._file_source = source if self.tenant is not None else None
        self.completing = None if self._file_source is not None else False
        self.completed = 0
        self.unchanged_users = 0
        self.dup_keys.begin_file(len(self._files) - 1, source)
        return len(self._files) - 1

    def end_file(self, fctx: FileContext) -> None:
        name = self._files[-1]
        fctx.completed = self.completed
        self.dup_keys.fold()
        self._flush_sigs()
        for (code, path), (_pos, count, kwargs, _user) in self._agg.items():
            # a count over the whole file: reported at the file, not at its first user
            self.add(REGISTRY[code], name, None, path, dict(kwargs, count=count), None)
        self._agg = {}
        for r in self.file_rules:
            for pos, path, kwargs in r.check(fctx) or ():
                self.add(r, name, pos, path, kwargs, None)

    # -- users --------------------------------------------------------------------

    def complete(self, user: dict[str, Any], connection: str | None) -> dict[str, Any]:
        """`user` with the metadata objects it has laid over the tenant's (the backup's) ones.

        Only for a file whose metadata comes from leaf columns of a sheet without bulkedit's
        type information (Auth0's CSV export, a hand-made CSV): such a file holds only the
        leaves it has columns for, and an upsert replaces each object whole, so importing
        it as it is would erase every other key. Keys the sheet lacks keep the tenant's
        values (a CSV cannot say "delete this key"; an edit plan's `unset` can).
        """
        if self.completing is None:
            self.completing = self._file_source is not None and completes_metadata(self._file_source)
        if not self.completing or self.tenant is None:  # (completing needs a tenant: for the type checker)
            return user
        tenant = self.tenant
        key = tenant.key_of(user, connection)
        backup = tenant.differing(user, key) if key is not None else None
        out = complete_metadata(user, backup) if backup is not None else None
        if out is None:
            self._found = (user, backup)
            return user
        assert key is not None and backup is not None
        self.completed += 1
        self._completed_last = out
        # what check() would find for the completed user: the same tenant user (the key is unchanged)
        self._found = (out, None if tenant.equals(out, key) else backup)
        return out

    def unchanged(self, user: dict[str, Any], connection: str | None) -> bool:
        """Whether importing `user` (import form, as `complete` returned it) with upsert would
        change nothing in the tenant (`convert.upsert_changes`); such a user is counted in
        `unchanged_users` and is neither judged nor written (`emit --backup`, `lint --backup`)."""
        tenant = self.tenant
        if tenant is None:
            return False
        found = self._found
        key = tenant.key_of(user, connection)
        if key is None:
            return False
        # what `complete` found (None when equal), else looked up here
        backup = found[1] if found is not None and found[0] is user else tenant.differing(user, key)
        if backup is not None and upsert_changes(user, backup):
            self._found = (user, backup)  # for check()
            return False
        self._found = None
        if self._completed_last is user:
            self.completed -= 1  # completed, yet nothing to import: not counted as written
        self.unchanged_users += 1
        return True

    def convert(self, rec: Record, file_idx: int) -> Any:
        """Convert an exported user as emit would, reporting each conversion; the Conversion."""
        conv = to_import_user(rec.user)
        if conv.importable:
            if conv.dropped or conv.stripped_prefix or conv.renamed:
                # aggregate rules run once per distinct kind of conversion, at the end of the file
                _tally(self._sigs, (conv.dropped, conv.stripped_prefix, conv.renamed), rec.pos, 1, conv, _user_key(rec.user))
            return conv
        name = self._files[file_idx]
        for r in self.conversion_each:
            for path, kwargs in r.check(conv) or ():
                self.add(r, name, rec.pos, path, kwargs, _user_key(rec.user))
        return conv

    def quick(self, rec: Record, file_idx: int, connection: str | None) -> bool:
        """Check an exported user without building its import form; False when it needs the full path.

        Taken when the user has only import and export-only fields, belongs to a database
        strategy, the schema accepts it (export-only fields allowed) and no backup is
        given: then every rule but the `user` and duplicate rules is known to pass, and
        those read fields that conversion leaves as they are.
        """
        if self.tenant is not None:
            return False
        u = rec.user
        shape = tuple(u)  # users of one export share a few key lists: remember what each means
        extra = self._shapes.get(shape)
        if extra is None:
            extra = frozenset(shape) - _IMPORT
            if extra and not _EXPORT_ONLY.issuperset(extra):
                extra = _UNUSUAL
            if len(self._shapes) < 4096:
                self._shapes[shape] = extra
        if extra is _UNUSUAL:
            return False
        conn, strategy, strip = identity(u)
        if strategy is not None and strategy != "auth0":
            return False
        if not self.is_valid_export(u):
            return False
        self.quick_facts = (extra, strip, conn)  # what emit needs to convert the user
        pos = rec.pos
        if extra or strip:
            sig = (extra, strip)
            slot = self._qsigs.get(sig)
            if slot is None:
                self._qsigs[sig] = [dict(u), pos, 1, _user_key(u)]  # a copy: emit converts `u` in place
            else:
                slot[2] += 1
        self._user_rules(u, rec.raw, file_idx, pos, u)
        self.dup_keys.gather(u, conn or connection, file_idx, pos, u)
        return True

    def _user_rules(self, user: dict[str, Any], raw: bytes | None, file_idx: int, pos: int | None, key_user: dict[str, Any]) -> None:
        checks = self._user_checks
        if self._sized_checks and (raw is None or len(raw) > self._gate):  # each size rule past its own gate
            checks = checks + [(r, check) for gate, r, check in self._sized_checks if raw is None or len(raw) > gate]
        for r, check in checks:
            items = check(user, raw)
            if items:
                for path, kwargs in items:
                    self.add(r, self._files[file_idx], pos, path, kwargs, _user_key(key_user))

    def index_seen(self) -> None:
        """Hash the duplicate rules' values gathered so far (while a worker reads the next part)."""
        self.dup_keys.fold()

    def find_duplicates(self) -> None:
        """Report every value of a duplicate rule met again in its connection, naming its first sighting.

        Once, when every file is read (`result` does it): values are compared across all files.
        """
        for rule, packed, value, first, key in self.dup_keys.judge():
            pos = packed & NO_POS
            self.add(rule, self._files[packed >> 40], None if pos == NO_POS else pos, DUP_PATH[rule.code],
                     {"value": value, "first": self._where(first)}, key)

    def _flush_sigs(self) -> None:
        for u, pos, count, key in self._qsigs.values():
            conv = to_import_user(u)
            _tally(self._sigs, (conv.dropped, conv.stripped_prefix, conv.renamed), pos, count, conv, key)
        self._qsigs = {}
        for pos, count, conv, user in self._sigs.values():
            for r in self.conversion_once:
                for path, kwargs in r.check(conv) or ():
                    _tally(self._agg, (r.code, path), pos, count, kwargs, user)
        self._sigs = {}

    def check(
        self,
        user: dict[str, Any],
        file_idx: int,
        pos: int | None,
        connection: str | None,
        *,
        raw: bytes | None = None,
        judged_as: str = "export",
        key_user: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """All rules on one user as it would be imported; findings name `key_user` (default: the user).

        Returns the tenant's version of the user when a backup is given and differs (for
        emit's rollback), else None.
        """
        ku = key_user if key_user is not None else user
        if judged_as == "import":
            for r in self.importing:
                for path, kwargs in r.check(user, raw) or ():
                    self.add(r, self._files[file_idx], pos, path, kwargs, _user_key(ku))
        self._user_rules(user, raw, file_idx, pos, ku)
        if not self.is_valid(user):
            self._explain(user, self._files[file_idx], pos, raw, _user_key(ku))
        self.dup_keys.gather(user, connection, file_idx, pos, ku)
        if self.tenant is None:
            return None
        for r in self.tenant_rules:
            for path, kwargs in r.check(user, self.tenant, connection) or ():
                self.add(r, self._files[file_idx], pos, path, kwargs, _user_key(ku))
        found, self._found = self._found, None
        backup = found[1] if found is not None and found[0] is user else self.tenant.find(user, connection)
        if backup is not None:
            for r in self.backup_rules:
                for path, kwargs in r.check(user, backup) or ():
                    self.add(r, self._files[file_idx], pos, path, kwargs, _user_key(ku))
        return backup

    def _explain(self, user: dict[str, Any], name: str, pos: int | None, raw: bytes | None, key: str | None) -> None:
        explained: list[str] = []
        for r in self.detail:
            for path, kwargs in r.check(user, raw) or ():
                explained.append(path or "")
                self.add(r, name, pos, path, kwargs, key)
        if not self.schema_on:
            return
        schema_rule = REGISTRY["BE100"]
        for err in validator().iter_errors(user):
            path = format_path(tuple(err.instance_path))
            if any(related(path, p) for p in explained):
                continue
            self.add(schema_rule, name, pos, path or None, {"message": schema_message(path, err)}, key)

    # -- parallel parts -------------------------------------------------------------

    def export_state(self) -> dict[str, Any]:
        """What a worker found, for `merge()` in the parent (the duplicate rules' values as hashes)."""
        self._flush_sigs()
        return {"counts": self.counts, "findings": self.findings, "agg": self._agg, "dups": self.dup_keys.export()}

    def merge(self, state: dict[str, Any]) -> None:
        """Add a later part of the same file (read by a worker) to this checker's findings."""
        self._flush_sigs()
        for code, n in state["counts"].items():
            self.counts[code] = self.counts.get(code, 0) + n
        for key, (pos, count, kwargs, user) in state["agg"].items():
            _tally(self._agg, key, pos, count, kwargs, user)
        for f in state["findings"]:
            if self._room_for(f.code):
                self.findings.append(f)
        self.dup_keys.absorb(state["dups"])

    def fork(self, options: LintOptions) -> Checker:
        """A fresh checker for a worker reading a later part of the current file (see `merge`)."""
        part = make_checker(options)
        part._files = list(self._files)
        part.dup_keys.share_files(self.dup_keys)
        return part

    def _where(self, packed: int) -> str:
        fi, fp = packed >> 40, packed & NO_POS
        return f"{self._files[fi]}:{fp}" if fp != NO_POS else self._files[fi]

    def result(self, files: list[FileSummary], backup: str | None = None) -> LintResult:
        self.find_duplicates()
        order = {"error": 0, "warning": 1, "info": 2}
        file_order: dict[str, int] = {}
        for i, name in enumerate(self._files):
            file_order.setdefault(name, i)  # a file's first place, as list.index gives
        findings = sorted(
            self.findings,
            key=lambda f: (file_order.get(f.file, 0), f.pos or 0, order[f.severity], f.code),
        )
        sev = self.selection.severities
        return LintResult(
            files=tuple(files),
            findings=tuple(findings),
            counts=dict(sorted(self.counts.items())),
            severities={c: sev[c] for c in self.counts},
            names={c: REGISTRY[c].name for c in self.counts},
            backup=backup,
        )


def _tally(table: dict[Any, list[Any]], key: Any, pos: int, count: int, payload: Any, user: str | None) -> None:
    """Count `count` sightings of `key` in `table` as [first position, count, payload, user at
    the first position] (the payload of the first sighting added is kept)."""
    slot = table.get(key)
    if slot is None:
        table[key] = [pos, count, payload, user]
    else:
        slot[1] += count
        if pos < slot[0]:
            slot[0], slot[3] = pos, user


def make_checker(options: LintOptions, progress: Callable[[int], None] | None = None) -> Checker:
    """The Checker for `options`; reading the backup tells `progress` its bytes read."""
    config = options.config if options.config is not None else config_from_pyproject()
    selection = select_rules(options.select, options.ignore, config)
    tenant = TenantState.load(options.backup, progress) if options.backup is not None else None
    return Checker(selection, options.max_per_rule, tenant)
