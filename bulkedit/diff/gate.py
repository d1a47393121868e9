"""The review gates of `diff` (--max-changed, --fail-on-change, forbidden changes) and the field and class summaries they read."""

from __future__ import annotations

import re
from typing import Any

from bulkedit.diff.model import CLASSES, FORBIDDEN, RANK, Counts, DiffOptions, FieldSummary, Gate, UserDiff
from bulkedit.errors import UsageError


def parse_max_changed(text: str) -> tuple[float, bool]:
    """`"250"` -> (250, False); `"1.5%"` -> (1.5, True). UsageError when malformed."""
    t = text.strip()
    pct = t.endswith("%")
    num = t[:-1].strip() if pct else t
    try:
        value = float(num) if pct else int(num)
    except ValueError:
        raise UsageError(f"--max-changed {text!r} is neither a count nor a percentage", hint="for example --max-changed 500 or --max-changed 2%") from None
    if value < 0 or (pct and value > 100):
        raise UsageError(f"--max-changed {text!r} is out of range", hint="a count >= 0, or a percentage from 0% to 100%")
    return float(value), pct


# -- summaries and gates ----------------------------------------------------------

_INDEX_RE = re.compile(r"\[-?[0-9]+\]")


def field_name(path: str) -> str:
    """A change's path with list indices folded: `app_metadata.roles[1]` -> `app_metadata.roles[]`."""
    return _INDEX_RE.sub("[]", path)


def field_summary(users: list[UserDiff]) -> tuple[FieldSummary, ...]:
    acc: dict[str, dict[str, Any]] = {}
    for u in users:
        seen: set[str] = set()
        for c in u.changes:
            name = field_name(c.path)
            a = acc.get(name)
            if a is None:
                a = acc[name] = {"cls": c.cls, "users": 0, "changes": 0, "kinds": {}}
            elif RANK[c.cls] < RANK[a["cls"]]:
                a["cls"] = c.cls
            a["changes"] += 1
            a["kinds"][c.change] = a["kinds"].get(c.change, 0) + 1
            if name not in seen:
                seen.add(name)
                a["users"] += 1
    out = [FieldSummary(name, a["cls"], a["users"], a["changes"], dict(sorted(a["kinds"].items()))) for name, a in acc.items()]
    out.sort(key=lambda f: (RANK[f.cls], -f.changes, f.path))
    return tuple(out)


def class_summary(users: list[UserDiff]) -> dict[str, dict[str, int]]:
    out = {c: {"users": 0, "changes": 0} for c in CLASSES}
    for u in users:
        seen: set[str] = set()
        for c in u.changes:
            out[c.cls]["changes"] += 1
            if c.cls not in seen:
                seen.add(c.cls)
                out[c.cls]["users"] += 1
    return out


def evaluate_gate(counts: Counts, classes: dict[str, dict[str, int]], summary: tuple[FieldSummary, ...], opts: DiffOptions) -> Gate:
    """Exit-1 reasons: a forbidden change; anything changed with --fail-on-change; --max-changed exceeded."""
    reasons: list[str] = []
    forbidden = classes[FORBIDDEN]
    if forbidden["changes"]:
        names = ", ".join(f.path for f in summary if f.cls == FORBIDDEN)
        reasons.append(f"{forbidden['changes']:,} forbidden change(s) in {forbidden['users']:,} user(s): {names}")
    if opts.fail_on_change and counts.differing:
        reasons.append(
            f"--fail-on-change: {counts.differing:,} user(s) differ ({counts.changed:,} changed, {counts.added:,} added, {counts.removed:,} removed)"
        )
    if opts.max_changed is not None:
        limit, pct = parse_max_changed(opts.max_changed)
        allowed = limit * counts.backup_users / 100 if pct else limit
        if counts.differing > allowed:
            what = f"{opts.max_changed.strip()} of {counts.backup_users:,} users = {allowed:,.0f}" if pct else f"{int(limit):,}"
            reasons.append(f"--max-changed: {counts.differing:,} user(s) differ, more than {what}")
    return Gate(bool(reasons), tuple(reasons))
