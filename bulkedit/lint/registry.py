"""The rule registry: stable codes, kebab-case names, severities, message templates, docs.

A rule is a small function registered with `@rule(...)`. Its docstring holds the
why / example / fix shown in docs/rules.md. `kind` says when the engine calls it:

- `user`: for every user that would be imported (cheap dict/set lookups only);
- `import`: for users of a file judged as an import file (a JSON array without
  export-only fields), which emit would not convert;
- `detail`: only for users the JSON schema rejected (the schema, run in Rust,
  already decides validity for everything these rules check; they explain it);
- `schema`: the schema errors no detail rule explained;
- `conversion`, `duplicate`, `file`, `backup`: called by the engine at those steps;
- `tenant`: with `--backup`, for every user, given the tenant state and its connection.

Severity defaults can be changed in `pyproject.toml` (`[tool.bulkedit] severity =
{ BE302 = "error" }`, `"off"` disables) and rules picked with `--select`/`--ignore`
code prefixes (`BE2` = all duplicate rules).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkedit.errors import UsageError
from bulkedit.lint.rule import REGISTRY, Rule


def all_rules() -> list[Rule]:
    from bulkedit.lint import rules  # noqa: F401  - registers every rule

    return [REGISTRY[c] for c in sorted(REGISTRY)]


def _prefixes(text: str | Iterable[str] | None) -> list[str]:
    if not text:
        return []
    items = text.split(",") if isinstance(text, str) else [p for t in text for p in t.split(",")]
    out = [p.strip().upper() for p in items if p.strip()]
    return out


def config_from_pyproject(folder: Path | None = None) -> dict[str, Any]:
    """`[tool.bulkedit]` of `pyproject.toml` in `folder` (default: the current directory), or {}."""
    path = (folder or Path.cwd()) / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}", hint="fix the TOML syntax of [tool.bulkedit]") from None
    conf = data.get("tool", {}).get("bulkedit", {})
    return conf if isinstance(conf, dict) else {}


@dataclass(frozen=True)
class Selection:
    """The rules in force and their severities, after --select/--ignore and configuration."""

    severities: dict[str, str]

    def enabled(self, code: str) -> bool:
        return code in self.severities

    def rules(self, kind: str) -> list[Rule]:
        return [REGISTRY[c] for c in sorted(self.severities) if REGISTRY[c].kind == kind]


def select_rules(
    select: str | Iterable[str] | None = None,
    ignore: str | Iterable[str] | None = None,
    config: dict[str, Any] | None = None,
) -> Selection:
    """Pick rules by code prefix and apply severity overrides; unknown codes are a usage error."""
    rules = all_rules()
    config = config or {}
    sel = _prefixes(select) or _prefixes(config.get("select")) or ["BE"]
    ign = _prefixes(ignore) + _prefixes(config.get("ignore"))
    for p in sel + ign:
        if not any(r.code.startswith(p) for r in rules):
            raise UsageError(f"no lint rule has a code starting with {p!r}", hint="see docs/rules.md for the codes")
    overrides = config.get("severity", {}) or {}
    if not isinstance(overrides, dict):
        raise UsageError("[tool.bulkedit] severity must be a table of CODE = \"error|warning|info|off\"")
    severities: dict[str, str] = {}
    for r in rules:
        if not any(r.code.startswith(p) for p in sel) or any(r.code.startswith(p) for p in ign):
            continue
        sev = overrides.get(r.code, r.severity)
        if sev == "off":
            continue
        if sev not in ("error", "warning", "info"):
            raise UsageError(f"[tool.bulkedit] severity of {r.code} is {sev!r}", hint='use "error", "warning", "info" or "off"')
        severities[r.code] = sev
    for code in overrides:
        if code not in REGISTRY:
            raise UsageError(f"[tool.bulkedit] severity names unknown rule {code!r}", hint="see docs/rules.md for the codes")
    return Selection(severities)
