"""Renderers for `push` and `pull` results (their to_dict()); they compute nothing.

The text ones show control and bidi characters escaped: Auth0's answers (status_details,
error messages) and the manifest's names are printed as they came."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bulkedit.report import render_json, terminal_safe
from bulkedit.report.inspect import render_text as render_inspect


@terminal_safe
def render_pull_text(data: dict[str, Any]) -> str:
    head = f"tenant:  {data['domain']}\nexport job: {data['job_id']}" + (f" (connection {data['connection']})" if data["connection"] else "") + "\n"
    return head + render_inspect(data["inspect"])


PULL_RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {"text": render_pull_text, "json": render_json}


@terminal_safe
def render_plan(plan: dict[str, Any]) -> str:
    """What push is about to do (shown on stderr before it asks)."""
    conns = ", ".join(f"{n} ({i})" for n, i in plan["connections"].items())
    lines = [
        f"tenant:      {plan['domain']}",
        f"connections: {conns}",
        f"chunks:      {plan['chunks']:,} ({plan['users']:,} users) in {plan['folder']}",
        f"to send:     {plan['to_send']:,} chunk(s), {plan['users_to_send']:,} users; upsert on for {plan['upsert']['on']:,}, off for {plan['upsert']['off']:,}",
    ]
    if plan["already_accepted"]:
        lines.append(f"resumed:     {plan['already_accepted']:,} chunk(s) accepted by an earlier run ({len(plan['running']):,} still to wait for)")
    for d in plan["in_doubt"]:
        what = "will be sent again (upsert on)" if d["upsert"] else "upsert off: asks before sending again"
        lines.append(f"in doubt:    {d['chunk']} was sent but no answer came back; {what}")
    return "\n".join(lines) + "\n"


@terminal_safe
def render_push_text(data: dict[str, Any]) -> str:
    from bulkedit.report.joberrors import render_text as render_errors

    if data["dry_run"]:
        return "dry run: nothing was sent\n"
    u = data["users"]
    lines = [
        f"users: {u['inserted']:,} inserted, {u['updated']:,} updated, {u['failed']:,} failed (of {u['total']:,} in finished jobs)",
        "chunks: " + ", ".join(f"{n:,} {s}" for s, n in sorted(data["chunks_by_status"].items())),
        f"sent this run: {data['sent_this_run']:,}",
    ]
    for f in data["resent_in_doubt"]:
        lines.append(f"sent again (its first send was in doubt): {f}")
    for j in data["jobs"]:
        if j["status"] in ("failed", "expired"):
            lines.append(f"job {j['job_id']} ({j['chunk']}) {j['status']}: {j['status_details'] or 'no details given'}")
        elif j["status"] in ("rejected", "in_doubt", "skipped", "not_sent", "running"):
            lines.append(f"{j['chunk']}: {j['status'].replace('_', ' ')}" + (f": {j['status_details']}" if j["status_details"] else ""))
        elif j["summary"] and j["summary"].get("failed"):
            lines.append(f"job {j['job_id']} ({j['chunk']}): {j['summary']['failed']:,} failed user(s), errors in {j['errors_file']}")
    text = "\n".join(lines) + "\n"
    if data["errors"]:
        text += "\n" + render_errors(data["errors"])
    if data["retry_dir"]:
        text += f"\nretry chunks written to {data['retry_dir']}\n"
    return text


PUSH_RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {"text": render_push_text, "json": render_json}
