"""Shared helpers of the sheet tests: apply a sheet through the library, read the change set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bulkedit.convert import convert
from bulkedit.edit.apply import apply_edits
from bulkedit.edit.result import EditResult
from bulkedit.io import jsonio
from bulkedit.io.read import open_source
from bulkedit.sheet.apply import prepare

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "export.json.gz"


def make_sheet(backup: Path, out: Path, columns: str | None = None) -> Path:
    convert(open_source(backup), out, columns=columns)
    return out


def apply_sheet(backup: Path, sheet: Path, out: Path | None, **kw: Any) -> EditResult:
    source = open_source(backup)
    editor = prepare(source, sheet, **kw)
    return apply_edits(source, editor, out, dry_run=out is None, show=10_000, key=kw.get("key", "user_id"))


def change_set(result: EditResult) -> set[tuple[str, str, str, str]]:
    """{(user key, field, old, new)} with values as compact JSON ('-' for absent)."""

    def show(v: Any) -> str:
        from bulkedit.paths import MISSING

        return "-" if v is MISSING else jsonio.dumps(v).decode()

    return {(c.key, c.path, show(c.old), show(c.new)) for c in result.changes}


def write_ndjson(path: Path, users: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(jsonio.dumps(u) + b"\n" for u in users))
    return path
