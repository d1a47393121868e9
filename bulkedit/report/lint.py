"""Renderers for lint results: text, json, sarif 2.1.0, github annotations.

Each takes `LintResult.to_dict()` and computes nothing: the result already holds the
findings kept per rule and the count of those not shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bulkedit import __version__
from bulkedit.report import render_json, terminal_safe

_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _where(f: dict[str, Any]) -> str:
    return f"{f['file']}:{f['pos']}" if f["pos"] is not None else f["file"]


@terminal_safe
def render_text(data: dict[str, Any]) -> str:
    """Greppable lines `file:line: CODE message [user]`, then the counts."""
    lines: list[str] = []
    for f in data["findings"]:
        user = f" [{f['user']}]" if f["user"] else ""
        lines.append(f"{_where(f)}: {f['code']} {f['message']}{user}")
    for code, r in data["rules"].items():
        if r["not_shown"]:
            lines.append(f"... and {r['not_shown']:,} more {code} ({r['name']}) findings not shown (--max-per-rule)")
    s = data["summary"]
    nfiles = len(data["files"])
    lines.append(
        f"{data['users']:,} users in {nfiles} file{'s' if nfiles != 1 else ''}: "
        f"{s['error']:,} error(s), {s['warning']:,} warning(s), {s['info']:,} info"
    )
    unchanged = sum(f.get("unchanged") or 0 for f in data["files"])
    if unchanged:
        lines.append(f"{unchanged:,} user(s) unchanged against the backup, not judged: an import would change nothing "
                     "for them (emit --backup does not write them)")
    return "\n".join(lines) + "\n"


@terminal_safe
def render_github(data: dict[str, Any]) -> str:
    """GitHub Actions workflow commands (`::error file=...,line=...::message`)."""
    lines = []
    for f in data["findings"]:
        props = [f"file={_escape_prop(f['file'])}"]
        if f["pos"] is not None:
            props.append(f"line={f['pos']}")
        props.append(f"title={f['code']} {f['name']}")
        user = f" [{f['user']}]" if f["user"] else ""
        lines.append(f"::{_GITHUB_LEVEL[f['severity']]} {','.join(props)}::{_escape_data(f['message'] + user)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def _file_uri(path: str) -> str:
    """A file name as a SARIF artifact URI: a relative reference (or file: URI for an absolute
    path), percent-encoded, so `my file#1.json` stays one file."""
    from urllib.parse import quote

    if path.startswith("/"):
        return "file://" + quote(path)
    return quote(path.replace("\\", "/"))


def render_sarif(data: dict[str, Any], rules: list[dict[str, Any]] | None = None) -> str:
    """SARIF 2.1.0: one run, the rules that fired, one result per finding."""
    if rules is None:
        from bulkedit.lint.registry import all_rules

        rules = [{"code": r.code, "name": r.name, "severity": r.severity, "doc": r.doc} for r in all_rules()]
    fired = [r for r in rules if r["code"] in data["rules"]]
    index = {r["code"]: i for i, r in enumerate(fired)}
    results = []
    for f in data["findings"]:
        loc: dict[str, Any] = {"artifactLocation": {"uri": _file_uri(f["file"])}}
        if f["pos"] is not None:
            loc["region"] = {"startLine": f["pos"]}
        result: dict[str, Any] = {
            "ruleId": f["code"],
            "ruleIndex": index[f["code"]],
            "level": _SARIF_LEVEL[f["severity"]],
            "message": {"text": f["message"]},
            "locations": [{"physicalLocation": loc}],
        }
        props = {k: f[k] for k in ("path", "user") if f[k] is not None}
        if props:
            result["properties"] = props
        results.append(result)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "bulkedit",
                        "version": __version__,
                        "rules": [
                            {
                                "id": r["code"],
                                "name": r["name"],
                                "shortDescription": {"text": r["doc"].split("\n", 1)[0]},
                                "fullDescription": {"text": r["doc"]},
                                "defaultConfiguration": {"level": _SARIF_LEVEL[data["rules"][r["code"]]["severity"]]},
                            }
                            for r in fired
                        ],
                    }
                },
                "results": results,
            }
        ],
    }
    return render_json(sarif)


RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
}
