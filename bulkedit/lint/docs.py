"""`python -m bulkedit.lint.docs > docs/rules.md`: the rules reference, generated from the registry."""

from __future__ import annotations

import sys

from bulkedit.lint.registry import all_rules

FAMILIES = {
    "BE0": "Conversions emit makes",
    "BE1": "Fields and structure",
    "BE2": "Duplicates",
    "BE3": "Email",
    "BE4": "Password hashes",
    "BE5": "MFA factors and phone numbers",
    "BE6": "Metadata, profile, names",
    "BE7": "Files",
    "BE8": "Tenant state (--backup)",
}

WHEN = {
    "conversion": "every exported user (what emit changes)",
    "import": "users of an import file (a JSON array without export-only fields)",
    "user": "every user emit would write",
    "detail": "users the import schema rejects (explains why)",
    "schema": "users the import schema rejects, where no other rule explained it",
    "duplicate": "every user, across all files given together, per connection",
    "file": "each file",
    "backup": "users that exist in the --backup export",
    "tenant": "every user, with --backup: checked against the whole tenant",
}


def render() -> str:
    rules = all_rules()
    out = [
        "# bulkedit lint rules",
        "",
        "Generated from the rule registry by `python -m bulkedit.lint.docs` (`make docs`); do not edit by hand.",
        "",
        "Select rules with `--select`/`--ignore` code prefixes (`--select BE2` = duplicates); change a",
        "severity in `pyproject.toml`:",
        "",
        "```toml",
        "[tool.bulkedit]",
        'severity = { BE302 = "error", BE605 = "off" }',
        "```",
        "",
        "| code | name | severity | checked on |",
        "|---|---|---|---|",
    ]
    for r in rules:
        out.append(f"| [{r.code}](#{r.code.lower()}-{r.name}) | {r.name} | {r.severity} | {WHEN[r.kind]} |")
    family = None
    for r in rules:
        fam = r.code[:3]
        if fam != family:
            family = fam
            out += ["", f"## {fam}xx: {FAMILIES[fam]}"]
        out += ["", f"### {r.code} {r.name}", "", f"Severity: **{r.severity}**. Message: `{r.message}`", "", r.doc]
    return "\n".join(out) + "\n"


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
