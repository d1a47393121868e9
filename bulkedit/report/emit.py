"""The summary `emit` prints on stderr (computed from the manifest, nothing else)."""

from __future__ import annotations

from typing import Any

from bulkedit.report import terminal_safe

MAX_LISTED = 10


@terminal_safe
def render_summary(data: dict[str, Any], outdir: str) -> str:
    lines = []
    per_conn: dict[str, list[int]] = {}
    for c in data["chunks"]:
        slot = per_conn.setdefault(c["connection"], [0, 0])
        slot[0] += 1
        slot[1] += c["users"]
    lines.append(f"emitted {data['users']:,} users in {len(data['chunks']):,} chunk(s) to {outdir}/")
    for conn, (nchunks, nusers) in per_conn.items():
        lines.append(f"  {conn}: {nusers:,} users, {nchunks:,} chunk(s)")
    unchanged = data.get("unchanged")
    if unchanged is None:
        lines.append("every user written: without --backup emit cannot tell which users an import would change")
    elif data["options"].get("all_users"):
        lines.append(f"--all-users: every user written, {unchanged:,} of them unchanged against the backup")
    else:
        lines.append(f"unchanged, not written: {unchanged:,} user(s) an import would not change in the tenant "
                     "(the backup); --all-users writes them too")
    if data["dropped_fields"]:
        dropped = ", ".join(f"{k} ({v:,})" for k, v in data["dropped_fields"].items())
        lines.append(f"dropped export-only fields: {dropped}")
    if data["left_out"]:
        lines.append(f"left out {len(data['left_out']):,} user(s) that cannot be imported into a database connection:")
        for u in data["left_out"][:MAX_LISTED]:
            lines.append(f"  line/row {u['pos']}: {u['user_id'] or u['email']}: {u['reason']}")
        if len(data["left_out"]) > MAX_LISTED:
            lines.append(f"  ... and {len(data['left_out']) - MAX_LISTED:,} more (see manifest.json left_out)")
    if data["private_files"]:
        lines.append(f"{len(data['private_files']):,} chunk(s) hold password hashes or MFA secrets: mode 0600")
    if data.get("metadata_completed"):
        lines.append(f"{data['metadata_completed']:,} user(s) completed from the backup: the sheet's metadata leaves "
                     "laid over the tenant's objects (an upsert replaces them whole), email_verified kept")
    if data["backup"] is not None:
        lines.append(f"rollback: {sum(c['users'] for c in data['rollback']):,} user(s) in {len(data['rollback']):,} chunk(s) under rollback/")
        notes = data["rollback_cannot_undo"]
        if notes:
            lines.append(f"warning: a rollback cannot undo {len(notes):,} change(s):")
            for u in notes[:MAX_LISTED]:
                lines.append(f"  line/row {u['pos']}: {u['user_id'] or u['email']}: {u['field']}: {u['reason']}")
            if len(notes) > MAX_LISTED:
                lines.append(f"  ... and {len(notes) - MAX_LISTED:,} more (see manifest.json rollback_cannot_undo)")
    return "\n".join(lines) + "\n"
