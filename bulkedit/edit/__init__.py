"""Declarative and spreadsheet edits: plan files, selectors, steps, guards and the streaming apply engine.

- `plan.load_plan(path)` -> `Plan` (an editor), raising `planfile.PlanError` (exit 2);
- `apply.apply_edits(source, editor, out, dry_run=..., key=...)` -> `result.EditResult`;
- `guards.check_user(old, new)` -> (refusals, warnings) for any edit of one user.
"""
