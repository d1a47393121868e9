"""The values lint produces: `Finding` and `LintResult` (plain frozen data with to_dict())."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"


@dataclass(frozen=True)
class Finding:
    """One problem: which rule, how bad, what, and where (file, line/row, field path, user)."""

    code: str
    name: str
    severity: str
    message: str
    file: str
    pos: int | None = None
    path: str | None = None
    user: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "pos": self.pos,
            "path": self.path,
            "user": self.user,
        }


@dataclass(frozen=True)
class FileSummary:
    """One linted file: how it was read and judged."""

    file: str
    format: str
    users: int
    bytes: int
    judged_as: str  # "export" (as emit would convert it) or "import" (as it is)
    #: with --backup: users an upsert would not change, not judged (emit --backup does not write them)
    unchanged: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"file": self.file, "format": self.format, "users": self.users, "bytes": self.bytes, "judged_as": self.judged_as}
        if self.unchanged is not None:
            out["unchanged"] = self.unchanged
        return out


@dataclass(frozen=True)
class LintResult:
    """All findings (the first `max_per_rule` of each rule) and the full count per rule."""

    files: tuple[FileSummary, ...]
    findings: tuple[Finding, ...]
    counts: dict[str, int] = field(default_factory=dict)  # code -> all findings of that rule
    severities: dict[str, str] = field(default_factory=dict)  # code -> severity in force
    names: dict[str, str] = field(default_factory=dict)  # code -> rule name
    backup: str | None = None

    @property
    def errors(self) -> int:
        return sum(n for code, n in self.counts.items() if self.severities.get(code) == Severity.error)

    @property
    def warnings(self) -> int:
        return sum(n for code, n in self.counts.items() if self.severities.get(code) == Severity.warning)

    @property
    def infos(self) -> int:
        return sum(n for code, n in self.counts.items() if self.severities.get(code) == Severity.info)

    @property
    def users(self) -> int:
        return sum(f.users for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        shown: dict[str, int] = {}
        for f in self.findings:
            shown[f.code] = shown.get(f.code, 0) + 1
        return {
            "files": [f.to_dict() for f in self.files],
            "backup": self.backup,
            "users": self.users,
            "summary": {"error": self.errors, "warning": self.warnings, "info": self.infos},
            "rules": {
                code: {
                    "name": self.names[code],
                    "severity": self.severities[code],
                    "count": n,
                    "not_shown": n - shown.get(code, 0),
                }
                for code, n in sorted(self.counts.items())
            },
            "findings": [f.to_dict() for f in self.findings],
        }
