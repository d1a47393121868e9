"""Edit targets: a 4-step plan on the N-user NDJSON, applied (<= 2x baseline, < 1 GB) and dry-run (no slower)."""

from __future__ import annotations

from bench.harness import BULKEDIT, DATA, Step, data_file

PLAN = """\
edits:
  - where: {email: {endswith: "@example.com"}}
    set: {family_name: Smith}
  - set: {email_verified: true}
  - where: {app_metadata.plan: {in: [free, trial]}}
    set: {user_metadata.tier: basic}
    unset: [user_metadata.legacy_id]
  - where: {user_metadata.prefs.lang: {matches: "^pt"}}
    append: {user_metadata.tags: lusophone}
"""


def steps(users: int) -> list[Step]:
    big = data_file(users)
    plan = DATA / "edit-plan.yaml"

    def write_plan() -> None:
        DATA.mkdir(parents=True, exist_ok=True)
        plan.write_text(PLAN, encoding="utf-8")

    argv = BULKEDIT + ["edit", str(big), "--plan", str(plan)]
    return [
        Step("edit: 4-step plan, apply", argv + ["-o", str(DATA / "edited.ndjson"), "--force"], max_ratio=2.0, max_mb=1024, setup=write_plan),
        Step("edit: 4-step plan, --dry-run", argv + ["--dry-run"], max_ratio=2.0, max_mb=1024, setup=write_plan),
    ]
