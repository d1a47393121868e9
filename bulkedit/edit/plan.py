"""An edit plan compiled once (paths parsed, regexes compiled, in_file lists loaded) into an editor.

`load_plan(path)` reads, validates and compiles a plan file, raising PlanError
(exit 2) that names the file, step, line and bad key before any user is read.
The resulting `Plan` is an editor for `apply.apply_edits`: `edit(user)` runs the
steps in order on the users each selects; `notes()` gives per-step counts and the
plan's own warnings (a step that selected nobody, listed values found nowhere).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkedit import fields
from bulkedit.edit.apply import EditorNotes, EditProblems
from bulkedit.edit.planfile import Loc, PlanDoc, PlanError, PlanProblem, read_plan_file
from bulkedit.edit.result import Notice, StepStat
from bulkedit.edit.select import Compiler, ListedValues, Predicate, SelectError
from bulkedit.edit.steps import (
    Action,
    ActionError,
    TemplateSyntax,
    append_action,
    merge_action,
    parse_template,
    remove_action,
    rename_action,
    set_action,
    template_action,
    unset_action,
)
from bulkedit.paths import Path as FieldPath
from bulkedit.paths import PathError, parse_path


@dataclass
class Step:
    """One compiled step: its selector and its actions in the order written (the plan counts its users)."""

    index: int
    where: str
    summary: str
    select: Predicate | None
    actions: list[Action]


def resolve_path(text: str) -> FieldPath:
    """A plan path: Auth0 field paths as written; Dashboard/extension column names (`Family Name`) mapped."""
    canonical = fields.canonical_column(text)
    return parse_path(canonical if canonical is not None else text)


class Plan:
    """A compiled plan; an editor for `apply_edits`."""

    def __init__(self, doc: PlanDoc) -> None:
        self.doc = doc
        self.steps: list[Step] = []
        self.lists: list[tuple[Step, Loc, ListedValues]] = []
        self._written: list[FieldPath] = []
        self._unknown: set[Any] = set()
        self.plan_warnings: list[Notice] = []
        problems: list[PlanProblem] = []
        for i, spec in enumerate(doc.data["edits"]):
            try:
                self.steps.append(self._step(i, spec, problems))
            except _Abandon:
                continue
        if problems:
            raise PlanError(problems)
        # the hot loop's view of the steps: [selected, changed] counters it can bump cheaply
        self._counts = [[0, 0] for _ in self.steps]
        self._run = _runner(self.steps, self._counts)

    # -- compiling -----------------------------------------------------------------

    def _resolver(self, problems: list[PlanProblem]) -> Callable[[str, Loc], FieldPath]:
        def resolve(text: str, loc: Loc) -> FieldPath:
            try:
                path = resolve_path(text)
            except PathError as exc:
                problems.append(self.doc.problem(loc, f"malformed path: {exc}",
                                                 'write paths like user_metadata.plan, identities[0].connection '
                                                 'or app_metadata["a.b"]'))
                raise _Abandon from None
            head = path[0]
            if head not in fields.KNOWN_FIELDS and head not in self._unknown:
                # Auth0 users have a fixed set of top-level fields; custom data lives in metadata
                self._unknown.add(head)
                hit = fields.suggest_field(str(head))
                hint = f"did you mean {hit!r}? " if hit else ""
                self.plan_warnings.append(Notice(
                    "unknown-field",
                    f"{text!r} is not an Auth0 user field: {hint}custom data belongs in user_metadata or app_metadata",
                    where=self.doc.where(loc),
                ))
            return path

        return resolve

    def _step(self, i: int, spec: dict[str, Any], problems: list[PlanProblem]) -> Step:
        loc: Loc = ("edits", i)
        resolve = self._resolver(problems)
        select = None
        lists: list[tuple[Loc, ListedValues]] = []
        bad = False
        if "where" in spec:
            compiler = Compiler(resolve, self.doc.path.parent)
            try:
                select = compiler.where(spec["where"], loc + ("where",))
            except SelectError as exc:
                problems.append(self.doc.problem(exc.loc, exc.message, exc.hint))
                bad = True
            except _Abandon:
                bad = True
            lists = compiler.lists
        actions: list[Action] = []
        summary: list[str] = []
        opt_in = spec.get(ALLOW_UNKNOWN) is True
        for name, arg in spec.items():
            if name in ("where", "description", ALLOW_UNKNOWN):
                continue
            try:
                acts = self._actions(name, arg, loc + (name,), resolve, problems)
                if not opt_in:
                    self._refuse_unknown_writes(name, arg, loc + (name,), problems)
                actions.extend(acts)
            except _Abandon:
                bad = True
                continue
            summary.append(_summary(name, arg))
        if bad:
            raise _Abandon
        actions_text = "; ".join(summary)
        label = f"{spec['description']} ({actions_text})" if spec.get("description") else actions_text
        step = Step(i + 1, self.doc.where(loc), label, select, actions)
        self.lists.extend((step, where, listed) for where, listed in lists)
        return step

    def _refuse_unknown_writes(self, name: str, arg: Any, loc: Loc, problems: list[PlanProblem]) -> None:
        """A step that writes a top-level field Auth0's import does not accept (`famly_name`) is a
        plan error: every user would carry it and Auth0 would reject them all. `allow_unknown_fields:
        true` on the step says it is meant (a field renamed or removed before the import)."""
        if name in ("set", "merge", "append"):
            targets = list(arg)
        elif name == "rename":
            targets = list(arg.values())
        elif name == "template":
            targets = list(arg)
        else:
            return
        for text in targets:
            head = resolve_path(text)[0]
            if head in fields.KNOWN_FIELDS:
                continue
            hit = fields.suggest_field(str(head))
            problems.append(self.doc.problem(
                loc + (text,) if name != "rename" else loc,
                f"writes {text!r}, a top-level field Auth0's import does not accept"
                + (f" (did you mean {hit!r}?)" if hit else ""),
                f"fix the field name, put custom data in user_metadata or app_metadata, or add "
                f"`{ALLOW_UNKNOWN}: true` to this step if the field is meant",
            ))

    def _actions(
        self, name: str, arg: Any, loc: Loc, resolve: Callable[[str, Loc], FieldPath], problems: list[PlanProblem]
    ) -> list[Action]:
        out: list[Action] = []
        failed = False

        def each(items: Any) -> Any:
            nonlocal failed
            for key, value in items:
                try:
                    yield resolve(key, loc + (key,)), key, value
                except _Abandon:
                    failed = True

        if name == "set":
            out = [set_action(p, v) for p, _, v in each(arg.items())]
        elif name == "unset":
            paths = [arg] if isinstance(arg, str) else arg
            out = [unset_action(p) for p, _, _ in each((t, None) for t in paths)]
        elif name == "merge":
            out = [merge_action(p, v) for p, _, v in each(arg.items())]
        elif name == "append":
            out = [append_action(p, v) for p, _, v in each(arg.items())]
        elif name == "remove":
            out = [remove_action(p, v) for p, _, v in each(arg.items())]
        elif name == "rename":
            for src, key, dst_text in each(arg.items()):
                try:
                    dst = resolve(dst_text, loc + (key,))
                except _Abandon:
                    failed = True
                    continue
                if dst == src:
                    problems.append(self.doc.problem(loc + (key,), f"renames {key!r} to itself"))
                    failed = True
                    continue
                if dst[: len(src)] == src or src[: len(dst)] == dst:
                    problems.append(self.doc.problem(loc + (key,), f"cannot rename {key!r} to {dst_text!r}: "
                                                     "one is inside the other"))
                    failed = True
                    continue
                out.append(rename_action(src, dst))
        elif name == "template":
            for target, key, spec in each(arg.items()):
                text, default = (spec, None) if isinstance(spec, str) else (spec["format"], spec.get("default"))

                def resolve_here(t: str, here: Loc = loc + (key,)) -> FieldPath:
                    return resolve(t, here)

                try:
                    parts = parse_template(text, resolve_here)
                except TemplateSyntax as exc:
                    problems.append(self.doc.problem(loc + (key,), f"bad template {text!r}: {exc.message}"))
                    failed = True
                    continue
                except _Abandon:
                    failed = True
                    continue
                out.append(template_action(target, parts, default))
        if failed:
            raise _Abandon
        return out

    # -- the editor ----------------------------------------------------------------

    def edit(self, user: dict[str, Any]) -> dict[str, Any] | None:
        written: list[FieldPath] = []
        try:
            cur = self._run(user, written)
        except _StepFailed as failed:
            step, exc = self.steps[failed.index], failed.error
            raise EditProblems(
                [Notice(exc.code, f"step {step.index} ({step.where}): {exc.message}", path=exc.path)]
            ) from None
        self._written = written
        return None if cur is user else cur

    def state(self) -> tuple[list[list[int]], list[set[str]]]:
        """The counters a copy of this plan (in a worker process) collected."""
        return self._counts, [listed.found for _, _, listed in self.lists]

    def merge_state(self, state: tuple[list[list[int]], list[set[str]]]) -> None:
        counts, found = state
        for mine, theirs in zip(self._counts, counts, strict=True):
            mine[0] += theirs[0]
            mine[1] += theirs[1]
        for (_, _, listed), seen in zip(self.lists, found, strict=True):
            listed.found |= seen

    def written(self) -> list[FieldPath]:
        """The paths the last `edit` changed (the engine diffs only there)."""
        return self._written

    def notes(self) -> EditorNotes:
        counted = list(zip(self.steps, self._counts, strict=True))
        stats = tuple(StepStat(s.index, s.where, s.summary, selected, changed) for s, (selected, changed) in counted)
        warnings: list[Notice] = list(self.plan_warnings)
        for s, (selected, _) in counted:
            if selected == 0:
                warnings.append(Notice("step-selected-none", f"step {s.index} ({s.summary}) selected no user",
                                       where=s.where))
        for step, loc, listed in self.lists:
            missing = listed.missing
            if missing:
                shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
                warnings.append(Notice(
                    "listed-not-found",
                    f"step {step.index}: {len(missing):,} of {len(listed.values):,} values in {listed.file.name} "
                    f"matched no user: {shown}",
                    where=self.doc.where(loc),
                ))
        return EditorNotes(stats, tuple(warnings))


#: a step's opt-in to writing a top-level field Auth0's import does not accept
ALLOW_UNKNOWN = "allow_unknown_fields"


class _Abandon(Exception):
    """A part of the plan already reported a problem; skip compiling the rest of it."""


class _StepFailed(Exception):
    """An action of step `index` (0-based) could not be applied to a user."""

    def __init__(self, index: int, error: ActionError) -> None:
        super().__init__(index)
        self.index = index
        self.error = error


def _runner(steps: list[Step], counts: list[list[int]]) -> Callable[[dict[str, Any], list[FieldPath]], dict[str, Any]]:
    """One generated function applying every step to a user: `run(user, written) -> user`.

    The steps run for every user; unrolled, they cost no loop, tuple unpacking or
    attribute lookup per step and action. Per step it bumps [selected, changed] in
    `counts`, and adds the paths of each action that changed the user to `written`.
    An ActionError becomes _StepFailed naming the step.
    """
    scope: dict[str, Any] = {"ActionError": ActionError, "_StepFailed": _StepFailed}
    lines = ["def run(cur, written):", "    add = written.extend"]
    for i, (step, c) in enumerate(zip(steps, counts, strict=True)):
        scope[f"c{i}"] = c
        ind = "    "
        lines.append(f"{ind}try:")
        if step.select is not None:
            scope[f"s{i}"] = step.select
            lines.append(f"{ind}    go = s{i}(cur)")
        else:
            lines.append(f"{ind}    go = True")
        lines.append(f"{ind}    if go:")
        lines.append(f"{ind}        c{i}[0] += 1")
        lines.append(f"{ind}        before = cur")
        for j, act in enumerate(step.actions):
            scope[f"a{i}_{j}"] = act
            scope[f"p{i}_{j}"] = act.paths  # type: ignore[attr-defined]
            lines.append(f"{ind}        prev = cur")
            lines.append(f"{ind}        cur = a{i}_{j}(cur)")
            lines.append(f"{ind}        if cur is not prev:")
            lines.append(f"{ind}            add(p{i}_{j})")
        lines.append(f"{ind}        if cur is not before:")
        lines.append(f"{ind}            c{i}[1] += 1")
        lines.append(f"{ind}except ActionError as exc:")
        lines.append(f"{ind}    raise _StepFailed({i}, exc) from None")
    lines.append("    return cur")
    exec("\n".join(lines), scope)  # noqa: S102 - the source names only the plan's own functions
    return scope["run"]  # type: ignore[no-any-return]


def _summary(name: str, arg: Any) -> str:
    if name == "unset":
        paths = [arg] if isinstance(arg, str) else arg
        return "unset " + ", ".join(paths)
    if name == "rename":
        return "rename " + ", ".join(f"{a} -> {b}" for a, b in arg.items())
    return f"{name} " + ", ".join(arg)


def load_plan(path: Path | str) -> Plan:
    """Read, validate and compile a plan file; PlanError (exit 2) names every problem."""
    return Plan(read_plan_file(Path(path)))

