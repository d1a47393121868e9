"""Renderers for `errors` results (the dict of ErrorsResult.to_dict()); they compute nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bulkedit.report import render_json, terminal_safe

#: The other retry chunks failed for what the user record held, not because the user
#: exists; whether it exists is what the failed job's upsert setting said.
_UPSERT_NOTE = ("import the other chunks with the failed job's upsert setting "
                "(on when the job updated existing users, as a bulk edit does)")

def _who(u: dict[str, Any]) -> str:
    parts = [str(u.get("email") or "(no email)")]
    if u.get("user_id"):
        parts.append(f"[{u['user_id']}]")
    return " ".join(parts)


def _places(u: dict[str, Any]) -> str:
    bits = [f"answer {u['answer']} (entry {u['entry']})"]
    if u.get("chunk"):
        bits.append(f"chunk {u['chunk']}")
    if u.get("source"):
        bits.append(f"source {u['source']}")
    return ", ".join(bits)


@terminal_safe
def render_text(data: dict[str, Any]) -> str:
    out: list[str] = []
    for a in data["answers"]:
        out.append(f"{a['file']}: {a['description']}")
    out.append("")
    out.append(f"failed users: {data['failed_users']:,}")
    for c in data["by_code"]:
        out.append("")
        head = f"{c['code']}  {c['users']:,} user(s)"
        if c["errors"] != c["users"]:
            head += f", {c['errors']:,} error(s)"
        head += f" — {c['title']}" + ("" if c["known"] else " (bulkedit does not know this code)")
        out.append(head)
        out.append(f"  what it means: {c['meaning']}")
        out.append(f"  what to do:    {c['action']}")
        if c["lint"]:
            out.append(f"  lint predicts it: {', '.join(c['lint'])} (run `bulkedit lint` before importing)")
        for u in c["first_users"]:
            paths = ", ".join(p for p in u["paths"] if p) or "(no path)"
            msgs = "; ".join(m for m in u["messages"] if m)
            out.append(f"  - {_who(u)}  at {paths}: {msgs}")
            out.append(f"      {_places(u)}")
        if c["more_users"]:
            out.append(f"  ... and {c['more_users']:,} more (see --format json)")
    if data["by_chunk"]:
        out.append("")
        out.append("failed users per chunk:")
        for k, n in data["by_chunk"].items():
            out.append(f"  {n:>8,}  {k}")
    if data["by_path"]:
        out.append("")
        out.append("errors per field path:")
        for k, n in data["by_path"].items():
            out.append(f"  {n:>8,}  {k}")
    r = data["retry"]
    if r is not None:
        out.append("")
        out.append(
            f"retry: {r['retried_users']:,} user(s) in {len(r['chunks']):,} chunk(s) under {r['folder']}"
            + (f" ({r['upsert_users']:,} in upsert/: import those with upsert on)" if r["upsert_users"] else "")
        )
        out.append(f"  {_UPSERT_NOTE}")
        for ch in r["chunks"]:
            out.append(f"  {ch['file']}  {ch['users']:,} user(s), {ch['bytes']:,} bytes, connection {ch['connection']}")
        listed = r["left_out"]
        if listed:
            out.append(f"not retried: {len(listed):,} user(s) (also in {r['folder']}/manifest.json)")
            for f in listed:
                where = f" ({f['source']})" if f["source"] else ""
                out.append(f"  - {_who(f)}{where}: {f['reason']}")
    if data["notes"]:
        out.append("")
        for note in data["notes"]:
            out.append(f"note: {note}")
    return "\n".join(out) + "\n"


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


@terminal_safe
def render_markdown(data: dict[str, Any]) -> str:
    out: list[str] = ["# Auth0 import job errors", ""]
    for a in data["answers"]:
        out.append(f"- `{a['file']}`: {_md(a['description'])}")
    out += ["", f"**Failed users:** {data['failed_users']:,}", ""]
    if data["by_code"]:
        out += ["## Failures per code", "", "| code | users | errors | meaning | what to do | lint |", "|---|---:|---:|---|---|---|"]
        for c in data["by_code"]:
            title = _md(c["title"]) + ("" if c["known"] else " (unknown code)")
            out.append(
                f"| `{c['code']}` | {c['users']:,} | {c['errors']:,} | {title}: {_md(c['meaning'])} | {_md(c['action'])} | "
                f"{', '.join(c['lint']) or '—'} |"
            )
        for c in data["by_code"]:
            out += ["", f"### `{c['code']}`", "", "| user | path | message | answer | chunk | source |", "|---|---|---|---|---|---|"]
            for u in c["first_users"]:
                out.append(
                    f"| {_md(_who(u))} | {_md(', '.join(u['paths']))} | {_md('; '.join(u['messages']))} | "
                    f"`{_md(u['answer'])}` | {_md(u['chunk'] or '—')} | {_md(u['source'] or '—')} |"
                )
            if c["more_users"]:
                out += ["", f"... and {c['more_users']:,} more."]
    for title, key in (("Failed users per chunk", "by_chunk"), ("Errors per field path", "by_path")):
        if data[key]:
            out += ["", f"## {title}", "", "| | count |", "|---|---:|"]
            out += [f"| `{_md(k)}` | {n:,} |" for k, n in data[key].items()]
    r = data["retry"]
    if r is not None:
        out += ["", "## Retry", "", f"{r['retried_users']:,} user(s) in {len(r['chunks']):,} chunk(s) under `{r['folder']}`."]
        if r["upsert_users"]:
            out.append(f"{r['upsert_users']:,} of them are in `upsert/`: import those files with upsert on.")
        out.append(_UPSERT_NOTE[0].upper() + _UPSERT_NOTE[1:])
        listed = r["left_out"]
        if listed:
            out += ["", "| not retried | source | reason |", "|---|---|---|"]
            out += [f"| {_md(_who(f))} | {_md(f['source'] or '—')} | {_md(f['reason'])} |" for f in listed]
    if data["notes"]:
        out += [""] + [f"> note: {_md(n)}" for n in data["notes"]]
    return "\n".join(out) + "\n"


RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}
