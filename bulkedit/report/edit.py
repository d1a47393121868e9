"""Renderers for `edit` results (EditResult.to_dict()): text and json. They compute nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bulkedit.io import jsonio
from bulkedit.report import render_json, terminal_safe

_ABSENT = "(absent)"


def _show(entry: dict[str, Any], name: str) -> str:
    if name not in entry:
        return _ABSENT
    text = jsonio.dumps(entry[name]).decode("utf-8")
    return text if len(text) <= 120 else text[:117] + "..."


def _notice(n: dict[str, Any]) -> str:
    head = f"{n['where']}: " if "where" in n else ""
    key = f" [{n['key']}]" if "key" in n else ""
    path = f" {n['path']}:" if "path" in n else ""
    values = f" {_show(n, 'old')} -> {_show(n, 'new')}" if ("old" in n or "new" in n) else ""
    return f"  {head}{n['code']}{key}{path}{values} ({n['message']})"


@terminal_safe
def render_text(data: dict[str, Any]) -> str:
    lines: list[str] = []
    users = data["users"]
    lines.append(f"input:   {data['source']} ({data['source_format']}, {users['read']:,} users)")
    if data["steps"]:
        lines.append("")
        lines.append("steps (users selected, users changed):")
        for s in data["steps"]:
            lines.append(f"  {s['index']:>3}. {s['selected']:>10,} {s['changed']:>10,}  {s['summary']}  [{s['where']}]")
    lines.append("")
    if data["fields"]:
        lines.append("fields changed (users):")
        for name, n in data["fields"].items():
            lines.append(f"  {n:>10,}  {name}")
        lines.append("")
        shown = len(data["changes"])
        total = data["changes_total"]
        more = f", first {shown:,} of {total:,}" if shown < total else ""
        lines.append(f"changes (old -> new{more}):")
        for c in data["changes"]:
            lines.append(f"  {c['where']} [{c['key']}] {c['path']}: {_show(c, 'old')} -> {_show(c, 'new')}")
        lines.append("")
    else:
        lines.append("no field changes")
        lines.append("")
    if data["warning_counts"]:
        counts = ", ".join(f"{code} {n:,}" for code, n in data["warning_counts"].items())
        lines.append(f"warnings ({counts}):")
        lines.extend(_notice(w) for w in data["warnings"])
        lines.append("")
    if data["refused"]:
        counts = ", ".join(f"{code} {n:,}" for code, n in data["refusal_counts"].items())
        total = sum(data["refusal_counts"].values())
        more = f", first {len(data['refusals']):,} of {total:,}; --show-refusals 0 lists all" if len(data["refusals"]) < total else ""
        lines.append(f"REFUSED ({counts}{more}):")
        lines.extend(_notice(r) for r in data["refusals"])
        lines.append("")
    lines.append(summary_line(data))
    return "\n".join(lines) + "\n"


@terminal_safe
def summary_line(data: dict[str, Any]) -> str:
    users = data["users"]
    added = f", {users['added']:,} added" if users["added"] else ""
    if data["refused"]:
        return (f"refused: {users['refused']:,} users have changes bulkedit will not make; nothing written "
                f"({data['refusal_hint']})")
    if data["dry_run"]:
        return f"dry run: {users['changed']:,} of {users['read']:,} users would change{added}; nothing written"
    note = " (mode 0600: holds password hashes, MFA secrets or identity tokens)" if data["private"] else ""
    return (f"wrote {users['read'] + users['added']:,} users ({users['changed']:,} changed{added}) "
            f"to {data['output']} ({data['output_format']}){note}")


RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {"text": render_text, "json": render_json}
