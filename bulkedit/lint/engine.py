"""The lint loop: read each file once, judge every user, collect findings.

`Checker` holds the rules in force and the state that spans files (duplicates,
the tenant backup); `emit` uses the same Checker on what it writes. The per-user
path is kept cheap: the JSON schema (run in Rust by jsonschema-rs) decides whether
a user is valid, and the Python rules that explain schema problems run only for the
users it rejects.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema_rs

from bulkedit import fields
from bulkedit.emit.convert import to_import_user
from bulkedit.errors import InputError
from bulkedit.io import detect as fmt
from bulkedit.io.read import Record, Source, load_column_map, open_source
from bulkedit.lint.model import FileSummary, Finding, LintResult
from bulkedit.lint.registry import REGISTRY, Rule, Selection, all_rules, config_from_pyproject, select_rules
from bulkedit.lint.tenant_state import TenantState
from bulkedit.paths import format_path

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "auth0-import-user.schema.json"
DEFAULT_MAX_PER_RULE = 50
INPUT_SUFFIXES = (".json", ".ndjson", ".jsonl", ".csv", ".tsv", ".xlsx", ".gz")
_SECRET_TOPS = ("password_hash", "custom_password_hash", "mfa_factors")
_NO_POS = (1 << 40) - 1
_DUP_PATH = {"BE201": "email", "BE202": "user_id", "BE203": "username"}


@lru_cache(maxsize=1)
def import_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def validator() -> Any:
    """The compiled import-user schema (jsonschema-rs)."""
    return jsonschema_rs.validator_for(import_schema())


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


@dataclass(frozen=True)
class InputFile:
    """A file to lint, and the connection its users belong to when the file itself says none."""

    path: Path
    connection: str | None = None


def expand_inputs(paths: Iterable[Path | str]) -> list[InputFile]:
    """Files and folders -> files. An emit folder (with manifest.json) gives its chunks, not rollback/."""
    out: list[InputFile] = []
    for p in map(Path, paths):
        if not p.exists():
            raise InputError(f"{p} does not exist", hint="check the path")
        if p.is_file():
            out.append(InputFile(p))
            continue
        manifest = p / "manifest.json"
        if manifest.is_file():
            try:
                data = json.loads(manifest.read_text(encoding="utf-8"))
                chunks = [InputFile(p / c["file"], c.get("connection")) for c in data["chunks"]]
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(f"unreadable emit manifest: {exc}", where=str(manifest), hint="re-run bulkedit emit") from None
            out.extend(chunks)
            continue
        found = sorted(
            f
            for f in p.rglob("*")
            if f.is_file()
            and f.name.lower().endswith(INPUT_SUFFIXES)
            and not any(part.startswith(".") or part == "rollback" for part in f.relative_to(p).parts)
        )
        if not found:
            raise InputError(f"folder {p} holds no user files", hint="give files, or an emit output folder")
        out.extend(InputFile(f) for f in found)
    return out


def _related(a: str, b: str) -> bool:
    """One path is the other or lies inside it."""
    if len(a) > len(b):
        a, b = b, a
    return a == "" or b == a or (b.startswith(a) and b[len(a)] in ".[")


@dataclass
class FileContext:
    """What file rules see."""

    source: Source
    judged_as: str
    bytes: int
    users: int


@dataclass
class Checker:
    """Applies the selected rules to users and collects findings (shared by lint and emit)."""

    selection: Selection
    max_per_rule: int = DEFAULT_MAX_PER_RULE
    tenant: TenantState | None = None
    counts: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    _kept: dict[str, int] = field(default_factory=dict)
    _seen: dict[str, dict[str | None, dict[Any, int]]] = field(default_factory=dict)
    _files: list[str] = field(default_factory=list)
    _agg: dict[tuple[str, str | None], list[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        sel = self.selection
        self.conversion = [r for r in sel.rules("conversion")]
        self.importing = sel.rules("import")
        self.user_rules = sel.rules("user")
        # every detail rule runs on invalid users (so a schema error it explains is not repeated
        # as BE100 even when the rule is ignored); only selected ones are reported
        self.detail = [r for r in all_rules() if r.kind == "detail"]
        self.duplicates = sel.rules("duplicate")
        self.file_rules = sel.rules("file")
        self.backup_rules = sel.rules("backup") if self.tenant is not None else []
        self.schema_on = sel.enabled("BE100")
        self.is_valid = validator().is_valid
        self._seen = {r.code: {} for r in self.duplicates}

    # -- collecting ---------------------------------------------------------------

    def add(self, rule: Rule, file: str, pos: int | None, path: str | None, kwargs: dict[str, Any], user: str | None) -> None:
        code = rule.code
        if code not in self.selection.severities:
            return
        self.counts[code] = self.counts.get(code, 0) + 1
        kept = self._kept.get(code, 0)
        if self.max_per_rule and kept >= self.max_per_rule:
            return
        self._kept[code] = kept + 1
        self.findings.append(
            Finding(code, rule.name, self.selection.severities[code], rule.format(**kwargs), file, pos, path, user)
        )

    @property
    def errors(self) -> int:
        sev = self.selection.severities
        return sum(n for code, n in self.counts.items() if sev.get(code) == "error")

    # -- files --------------------------------------------------------------------

    def begin_file(self, name: str) -> int:
        self._files.append(name)
        self._agg = {}
        return len(self._files) - 1

    def end_file(self, fctx: FileContext) -> None:
        name = self._files[-1]
        for (code, path), (pos, count, kwargs, user) in self._agg.items():
            self.add(REGISTRY[code], name, pos, path, dict(kwargs, count=count), user)
        self._agg = {}
        for r in self.file_rules:
            for pos, path, kwargs in r.check(fctx) or ():
                self.add(r, name, pos, path, kwargs, None)

    # -- users --------------------------------------------------------------------

    def convert(self, rec: Record, file_idx: int) -> Any:
        """Convert an exported user as emit would, reporting each conversion; the Conversion."""
        conv = to_import_user(rec.user)
        name = self._files[file_idx]
        for r in self.conversion:
            items = r.check(conv)
            if not items:
                continue
            if r.aggregate:
                for path, kwargs in items:
                    slot = self._agg.get((r.code, path))
                    if slot is None:
                        self._agg[(r.code, path)] = [rec.pos, 1, kwargs, _user_key(rec.user)]
                    else:
                        slot[1] += 1
            else:
                for path, kwargs in items:
                    self.add(r, name, rec.pos, path, kwargs, _user_key(rec.user))
        return conv

    def check(
        self,
        user: dict[str, Any],
        file_idx: int,
        pos: int | None,
        connection: str | None,
        *,
        raw: bytes | None = None,
        judged_as: str = "export",
        key: str | None = None,
    ) -> None:
        """All rules on one user as it would be imported."""
        name = self._files[file_idx]
        if key is None:
            key = _user_key(user)
        if judged_as == "import":
            for r in self.importing:
                for path, kwargs in r.check(user, raw) or ():
                    self.add(r, name, pos, path, kwargs, key)
        for r in self.user_rules:
            items = r.check(user, raw)
            if items:
                for path, kwargs in items:
                    self.add(r, name, pos, path, kwargs, key)
        if not self.is_valid(user):
            self._explain(user, name, pos, raw, key)
        for r in self.duplicates:
            value = r.check(user)
            if value is None:
                continue
            by_conn = self._seen[r.code]
            seen = by_conn.get(connection)
            if seen is None:
                seen = by_conn[connection] = {}
            first = seen.get(value)
            if first is None:
                # (file index, position) packed in one int: a million users stay small in memory
                seen[value] = (file_idx << 40) | (pos if pos is not None else _NO_POS)
            else:
                fi, fp = first >> 40, first & _NO_POS
                where = f"{self._files[fi]}:{fp}" if fp != _NO_POS else self._files[fi]
                self.add(r, name, pos, _DUP_PATH[r.code], {"value": value, "first": where}, key)
        if self.tenant is not None and self.backup_rules:
            backup, _known = self.tenant.find(user, connection)
            if backup is not None:
                for r in self.backup_rules:
                    for path, kwargs in r.check(user, backup) or ():
                        self.add(r, name, pos, path, kwargs, key)

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
            if any(_related(path, p) for p in explained):
                continue
            self.add(schema_rule, name, pos, path or None, {"message": _schema_message(path, err)}, key)

    def result(self, files: list[FileSummary], backup: str | None = None) -> LintResult:
        order = {"error": 0, "warning": 1, "info": 2}
        findings = sorted(
            self.findings,
            key=lambda f: (self._files.index(f.file) if f.file in self._files else 0, f.pos or 0, order[f.severity], f.code),
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


def _schema_message(path: str, err: Any) -> str:
    label = path or "user"
    top = path.split(".", 1)[0].split("[", 1)[0]
    if top in _SECRET_TOPS:  # never print hashes or MFA secrets
        kind = type(err.kind).__name__
        return f"{label}: the value does not have the form the import schema requires ({kind})"
    msg = err.message
    if len(msg) > 200:
        msg = msg[:197] + "..."
    return f"{label}: {msg}"


def _user_key(user: dict[str, Any]) -> str | None:
    uid = user.get("user_id")
    if type(uid) is str:
        return uid
    email = user.get("email")
    return email if type(email) is str else None


def judge(source: Source, user: dict[str, Any]) -> str:
    """'import' for a user of a JSON array without export-only (or renamed) keys, else 'export'."""
    if source.format != fmt.JSON or source.renamed:
        return "export"
    if fields.IMPORT_FIELDS.issuperset(user):
        return "import"
    return "export" if any(k in fields.EXPORT_ONLY_FIELDS for k in user) else "import"


def make_checker(options: LintOptions) -> Checker:
    config = options.config if options.config is not None else config_from_pyproject()
    selection = select_rules(options.select, options.ignore, config)
    tenant = TenantState.load(options.backup) if options.backup is not None else None
    return Checker(selection, options.max_per_rule, tenant)


def lint(
    paths: Iterable[Path | str],
    options: LintOptions | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> LintResult:
    """Lint files and folders together (duplicates are found across all of them)."""
    options = options or LintOptions()
    inputs = expand_inputs(paths)
    checker = make_checker(options)
    column_map = load_column_map(options.column_map)
    summaries: list[FileSummary] = []
    for inp in inputs:
        source = open_source(inp.path, column_map=column_map)
        summaries.append(lint_source(checker, source, inp.connection or options.connection, progress=progress))
    backup = str(options.backup) if options.backup is not None else None
    return checker.result(summaries, backup)


def lint_source(
    checker: Checker,
    source: Source,
    connection: str | None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> FileSummary:
    """Lint one file with `checker`."""
    idx = checker.begin_file(str(source.path))
    n = 0
    any_export = False
    check = checker.check
    for rec in source.records():
        n += 1
        judged = judge(source, rec.user)
        if judged == "import":
            user = rec.user
            conn = fields.user_connection(user) or connection
        else:
            any_export = True
            conv = checker.convert(rec, idx)
            if not conv.importable:
                continue
            user = conv.user
            conn = conv.connection or connection
        check(user, idx, rec.pos, conn, raw=rec.raw, judged_as=judged, key=_user_key(rec.user))
        if progress is not None and n % 8192 == 0:
            progress(idx, source.bytes_read)
    judged_as = "export" if any_export or source.format != fmt.JSON else "import"
    size = source.bytes_read
    checker.end_file(FileContext(source, judged_as, size, n))
    return FileSummary(str(source.path), source.format, n, size, judged_as)
