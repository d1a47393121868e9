"""Renderers for `diff` results (`DiffResult.to_dict()`): text, json, markdown, html.

They only lay out what the result holds; the HTML page is one self-contained file
(inline CSS and a few lines of inline script for the filter, no network access).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from bulkedit.io import jsonio
from bulkedit.report import render_json, terminal_safe

CLASSES = ("forbidden", "risky", "ignored", "ordinary")
_ABSENT = "(absent)"


def _value(change: dict[str, Any], side: str) -> str:
    if side not in change:
        return _ABSENT
    return jsonio.dumps(change[side]).decode("utf-8")


def _status(user: dict[str, Any]) -> str:
    return str(user["status"]).replace("_", " ")


def _verdict(data: dict[str, Any]) -> str:
    gate = data["gate"]
    if not gate["failed"]:
        return "PASS: only allowed changes"
    return "FAIL: " + "; ".join(gate["reasons"])


# -- json ---------------------------------------------------------------------------



# -- text ---------------------------------------------------------------------------


@terminal_safe
def render_text(data: dict[str, Any], *, limit: int | None = 20) -> str:
    c = data["counts"]
    lines = [
        f"backup:    {data['backup']}",
        f"candidate: {data['candidate']}" + (" (emit folder)" if data["candidate_kind"] == "emit folder" else ""),
        f"matched by {data['key']}" + (" (names and emails redacted)" if data["redacted"] else ""),
        "",
        f"users:  {c['backup_users']:,} in backup, {c['candidate_users']:,} in candidate",
        f"        {c['changed']:,} changed, {c['added']:,} added, {c['removed']:,} removed, {c['unchanged']:,} unchanged"
        + (f", {c['left_out']:,} left out by emit (not importable)" if c["left_out"] else "")
        + (f", {c['not_in_file']:,} not in the import file (an import leaves them as they are)" if c.get("not_in_file") else ""),
        "",
        "changes by class (users, changes):",
    ]
    for cls in CLASSES:
        v = data["classes"][cls]
        lines.append(f"  {cls:<10} {v['users']:>10,} {v['changes']:>10,}")
    if data["fields"]:
        lines.append("")
        lines.append("changes by field:")
        width = max(len(f["path"]) for f in data["fields"])
        lines.append(f"  {'field':<{width}}  {'users':>8}  {'changes':>8}  class")
        for f in data["fields"]:
            lines.append(f"  {f['path']:<{width}}  {f['users']:>8,}  {f['changes']:>8,}  {f['class']}")
    users = data["users"]
    shown = users if limit is None else users[:limit]
    if shown:
        lines.append("")
        lines.append("users:" if limit is None or len(users) <= limit else f"first {len(shown):,} of {len(users):,} users:")
    for u in shown:
        where = u["candidate_at"] or u["backup_at"]
        label = f" <{u['email']}>" if u["email"] and u["email"] != u["key"] else ""
        # the class is shown where it says something: an ordinary change needs no label
        cls = f" [{u['class']}]" if u["class"] and u["class"] != "ordinary" else ""
        lines.append(f"{where}: {_status(u)} {u['key']}{label}{cls}")
        for ch in u["changes"]:
            why = f"  ({ch['class']}: {ch['reason']})" if ch["class"] != "ordinary" else ""
            lines.append(f"    {ch['path']}: {_value(ch, 'old')} -> {_value(ch, 'new')}{why}")
        if u["note"]:
            lines.append(f"    {u['note']}")
    if limit is not None and len(users) > limit:
        lines.append(f"... and {len(users) - limit:,} more users (see --format json or html)")
    lines.append("")
    lines.append(_verdict(data))
    return "\n".join(lines) + "\n"


# -- markdown -----------------------------------------------------------------------


_MD_PUNCT = re.compile(r"([\\`*_\[\]<>|~&!#])")
_BACKTICKS = re.compile(r"`+")


def _md(text: str) -> str:
    """Plain text (a name, a note, the verdict) that markdown shows as it is, in a table cell or not."""
    return _MD_PUNCT.sub(r"\\\1", text).replace("\r", "\\r").replace("\n", "\\n")


def _code(text: str, *, cell: bool = True) -> str:
    """`text` as an inline code span that shows it exactly (backticks, backslashes and all).

    The fence is one backtick longer than the longest run inside, with a space inside it
    when the text starts or ends with a backtick or a space (markdown takes one off each
    side). In a table cell `|` is escaped, which GFM undoes inside code too; backslashes
    need no escape in code. Line breaks, which would end the row, are shown as \\n.
    """
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    fence = "`" * (max((len(m) for m in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text[:1] in ("`", " ") or text[-1:] in ("`", " ") else ""
    if cell:
        text = text.replace("|", "\\|")
    return f"{fence}{pad}{text}{pad}{fence}"


@terminal_safe
def render_markdown(data: dict[str, Any], *, limit: int | None = 50) -> str:
    c = data["counts"]
    out = [
        "## bulkedit diff",
        "",
        f"{_code(data['backup'], cell=False)} -> {_code(data['candidate'], cell=False)}, matched by `{data['key']}`"
        + (" (names and emails redacted)" if data["redacted"] else ""),
        "",
        f"**{_md(_verdict(data))}**",
        "",
        "| backup users | candidate users | changed | added | removed | unchanged |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {c['backup_users']:,} | {c['candidate_users']:,} | {c['changed']:,} | {c['added']:,} | {c['removed']:,} | {c['unchanged']:,} |",
        "",
        *([f"{c['left_out']:,} backup user(s) left out by emit on purpose (not importable).", ""] if c["left_out"] else []),
        *([f"{c['not_in_file']:,} backup user(s) not in the import file: an import leaves them as they are.", ""]
          if c.get("not_in_file") else []),
        "| class | users | changes |",
        "|---|---:|---:|",
    ]
    for cls in CLASSES:
        v = data["classes"][cls]
        out.append(f"| {cls} | {v['users']:,} | {v['changes']:,} |")
    if data["fields"]:
        out += ["", "### Changes by field", "", "| field | class | users | changes |", "|---|---|---:|---:|"]
        for f in data["fields"]:
            out.append(f"| {_code(f['path'])} | {f['class']} | {f['users']:,} | {f['changes']:,} |")
    users = data["users"]
    shown = users if limit is None else users[:limit]
    if shown:
        out += ["", "### Users" if len(shown) == len(users) else f"### First {len(shown):,} of {len(users):,} users", ""]
        out += ["| user | status | field | old | new | class |", "|---|---|---|---|---|---|"]
        for u in shown:
            who = _code(u["key"]) + (f" {_md(u['email'])}" if u["email"] and u["email"] != u["key"] else "")
            if not u["changes"]:
                note = f" {_md(u['note'])} " if u["note"] else " "
                out.append(f"| {who} | {_status(u)} |{note}| | | |")
            for i, ch in enumerate(u["changes"]):
                first = i == 0
                out.append(
                    f"| {who if first else ''} | {u['status'] if first else ''} | {_code(ch['path'])} "
                    f"| {_code(_value(ch, 'old'))} | {_code(_value(ch, 'new'))} | {ch['class']} |"
                )
        if len(shown) < len(users):
            out += ["", f"... and {len(users) - len(shown):,} more users (see `--format json`)."]
    return "\n".join(out) + "\n"


# -- html ---------------------------------------------------------------------------

_CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d232a;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.muted{color:#5c6670}.verdict{padding:8px 12px;border-radius:4px;font-weight:600;margin:12px 0}
.pass{background:#e6f4ea;color:#1e6b34}.fail{background:#fdecea;color:#a3221a}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #d8dee4;border-radius:6px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:22px}table{border-collapse:collapse;margin:4px 0}
td,th{border-bottom:1px solid #e4e8ec;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f4f6f8}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{height:12px;background:#4a7fc1;border-radius:2px}.bar.forbidden{background:#c0392b}.bar.risky{background:#e08e0b}
.bar.ignored{background:#8a949e}.cls{font-size:12px;padding:1px 6px;border-radius:8px;background:#eef1f4}
.cls.forbidden{background:#fdecea;color:#a3221a}.cls.risky{background:#fff4e0;color:#8a5300}
pre{margin:0;white-space:pre-wrap;word-break:break-word;font:12px/1.35 ui-monospace,Menlo,Consolas,monospace}
.old{background:#fff5f5}.new{background:#f3fbf4}.user{border:1px solid #d8dee4;border-radius:6px;margin:8px 0;padding:6px 10px}
.user table{width:100%}.user td{width:33%}.filters{display:flex;gap:8px;margin:8px 0}
input,select{font:inherit;padding:4px 6px}
"""

_SCRIPT = """
(function(){
  var q=document.getElementById('filter'),c=document.getElementById('class-filter'),s=document.getElementById('status-filter');
  var shown=document.getElementById('shown-count');
  function apply(){
    var t=q.value.toLowerCase(),k=c.value,st=s.value,n=0;
    document.querySelectorAll('.user').forEach(function(el){
      var ok=(!t||el.getAttribute('data-search').indexOf(t)>=0)&&(!k||el.getAttribute('data-class')===k)&&(!st||el.getAttribute('data-status')===st);
      el.style.display=ok?'':'none';if(ok)n++;
    });
    shown.textContent=n;
  }
  q.addEventListener('input',apply);c.addEventListener('change',apply);s.addEventListener('change',apply);
  // a filter can be linked: report.html#class=forbidden&status=changed&q=user_metadata
  var h=new URLSearchParams(location.hash.slice(1));
  if(h.has('q'))q.value=h.get('q');if(h.has('class'))c.value=h.get('class');if(h.has('status'))s.value=h.get('status');
  apply();document.body.setAttribute('data-filtered','1');
})();
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _pretty(change: dict[str, Any], side: str) -> str:
    if side not in change:
        return f'<span class="muted">{_ABSENT}</span>'
    return f"<pre>{_e(jsonio.dumps_pretty(change[side]).decode('utf-8'))}</pre>"


@terminal_safe
def render_html(data: dict[str, Any], *, limit: int | None = 5000) -> str:
    c = data["counts"]
    failed = data["gate"]["failed"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; script-src \'unsafe-inline\'">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>bulkedit diff</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>bulkedit diff</h1>",
        f'<p class="muted">backup <code>{_e(data["backup"])}</code> &rarr; candidate <code>{_e(data["candidate"])}</code>'
        f" ({_e(data['candidate_kind'])}), matched by <code>{_e(data['key'])}</code>"
        + ("; names and emails redacted" if data["redacted"] else "")
        + "</p>",
        f'<div id="verdict" class="verdict {"fail" if failed else "pass"}">{_e(_verdict(data))}</div>',
        '<div class="cards">',
    ]
    for key, label in (
        ("backup_users", "backup users"),
        ("candidate_users", "candidate users"),
        ("changed", "changed"),
        ("added", "added"),
        ("removed", "removed"),
        ("unchanged", "unchanged"),
        ("left_out", "left out by emit"),
        ("not_in_file", "not in the import file"),
    ):
        if key in ("left_out", "not_in_file") and not c.get(key):
            continue
        parts.append(f'<div class="card"><b id="count-{key.replace("_", "-")}">{c[key]:,}</b>{_e(label)}</div>')
    parts.append("</div>")
    parts.append('<h2>Changes by class</h2><table id="classes"><tr><th>class</th><th>users</th><th>changes</th></tr>')
    for cls in CLASSES:
        v = data["classes"][cls]
        parts.append(
            f'<tr><td><span class="cls {cls}">{cls}</span></td><td class="n" id="class-{cls}-users">{v["users"]:,}</td>'
            f'<td class="n" id="class-{cls}-changes">{v["changes"]:,}</td></tr>'
        )
    parts.append("</table>")
    if data["fields"]:
        top = max(f["changes"] for f in data["fields"])
        parts.append('<h2>Changes by field</h2><table id="fields"><tr><th>field</th><th>class</th><th>users</th><th>changes</th><th style="width:40%"></th></tr>')
        for f in data["fields"]:
            width = 100.0 * f["changes"] / top if top else 0.0
            parts.append(
                f'<tr data-field="{_e(f["path"])}"><td><code>{_e(f["path"])}</code></td><td><span class="cls {f["class"]}">{f["class"]}</span></td>'
                f'<td class="n">{f["users"]:,}</td><td class="n field-changes">{f["changes"]:,}</td>'
                f'<td><div class="bar {f["class"]}" style="width:{width:.1f}%" title="{f["changes"]:,} changes"></div></td></tr>'
            )
        parts.append("</table>")
    users = data["users"]
    shown = users if limit is None else users[:limit]
    parts.append(f'<h2>Users (<span id="shown-count">{len(shown):,}</span> shown of {len(users):,})</h2>')
    if len(shown) < len(users):
        parts.append(f'<p class="muted">The first {len(shown):,} users are listed; the JSON report (--format json) has all.</p>')
    parts.append(
        '<div class="filters"><input id="filter" type="search" placeholder="filter by key, email or field" size="40">'
        '<select id="class-filter"><option value="">any class</option>'
        + "".join(f'<option value="{cls}">{cls}</option>' for cls in CLASSES)
        + '</select><select id="status-filter"><option value="">any status</option>'
        '<option value="changed">changed</option><option value="added">added</option><option value="removed">removed</option><option value="left_out">left out</option></select></div>'
    )
    parts.append('<div id="users">')
    for u in shown:
        search = " ".join([u["key"], u["email"] or ""] + [ch["path"] for ch in u["changes"]]).lower()
        where = " / ".join(w for w in (u["backup_at"], u["candidate_at"]) if w)
        cls = u["class"] or ""
        parts.append(
            f'<div class="user" data-status="{u["status"]}" data-class="{_e(cls)}" data-search="{_e(search)}">'
            f'<b>{_e(u["key"])}</b> {_e(u["email"] if u["email"] != u["key"] else "")} &middot; {_status(u)}'
            + (f' <span class="cls {cls}">{cls}</span>' if cls else "")
            + f' <span class="muted">{_e(where)}</span>'
            + (f'<br><span class="muted">{_e(u["note"])}</span>' if u["note"] else "")
        )
        if u["changes"]:
            parts.append("<table><tr><th>field</th><th>old</th><th>new</th></tr>")
            for ch in u["changes"]:
                parts.append(
                    f'<tr><td><code>{_e(ch["path"])}</code><br><span class="cls {ch["class"]}" title="{_e(ch["reason"])}">{ch["class"]}</span></td>'
                    f'<td class="old">{_pretty(ch, "old")}</td><td class="new">{_pretty(ch, "new")}</td></tr>'
                )
            parts.append("</table>")
        parts.append("</div>")
    parts.append("</div>")
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(parts) + "\n"


Renderer = Callable[..., str]
RENDERERS: dict[str, Renderer] = {"text": render_text, "json": render_json, "markdown": render_markdown, "html": render_html}
