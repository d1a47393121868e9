"""Renderers for `inspect` results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bulkedit.report import render_json, terminal_safe


@terminal_safe
def render_text(data: dict[str, Any], *, max_duplicates: int = 10) -> str:
    lines: list[str] = []
    fmt = data["format"] + (" (gzip)" if data["compressed"] else "")
    if data["format"] == "csv" or (data["format"] == "xlsx" and data["csv_auth0_escaped"]):
        fmt += ", Auth0-escaped" if data["csv_auth0_escaped"] else ", plain"
    if data["format"] in ("csv", "xlsx"):
        fmt += ", with bulkedit type information" if data["type_information"] else ""
    lines.append(f"file:    {data['file']}")
    lines.append(f"format:  {fmt}")
    lines.append(f"users:   {data['users']:,}")
    lines.append("")
    lines.append("connections:")
    for name, n in data["connections"].items():
        lines.append(f"  {n:>10,}  {name}")
    if data["renamed_columns"]:
        lines.append("")
        lines.append("renamed columns read as Auth0 fields:")
        for old, new in data["renamed_columns"].items():
            lines.append(f"  {old!r} -> {new}")
    lines.append("")
    lines.append("fields (users or items that have it, JSON types):")
    width = max((len(f["path"]) for f in data["fields"]), default=10)
    for f in data["fields"]:
        types = ", ".join(f"{t} {n:,}" if len(f["types"]) > 1 else t for t, n in f["types"].items())
        lines.append(f"  {f['path']:<{width}}  {f['count']:>10,}  {types}")
    for label, key in (("emails (case-insensitive)", "email"), ("user_ids", "user_id")):
        dups = data["duplicates"][key]
        lines.append("")
        if not dups:
            lines.append(f"duplicate {label}: none")
            continue
        lines.append(f"duplicate {label}: {len(dups):,}")
        for value, n in list(dups.items())[:max_duplicates]:
            lines.append(f"  {n:,}x  {value}")
        if len(dups) > max_duplicates:
            lines.append(f"  ... and {len(dups) - max_duplicates:,} more (see --format json)")
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {"text": render_text, "json": render_json}
