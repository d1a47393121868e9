"""Reading a plan file: YAML or JSON, with the line of every key, validated by the JSON Schema.

YAML is read with the YAML 1.2 core rules, not PyYAML's 1.1 defaults: `no`, `on`,
`yes` stay strings (a country code `NO` must not become false), `2024-01-01` stays
a string (a date is not a JSON value), and `012` is twelve, not octal ten.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bulkedit.errors import InputError
from bulkedit.resources import EDIT_PLAN_SCHEMA, load_schema

STEP_ACTIONS = ("set", "unset", "merge", "append", "remove", "rename", "template")
STEP_KEYS = ("where", "description", *STEP_ACTIONS)
OPERATORS = (
    "eq", "ne", "in", "not_in", "exists", "matches", "contains", "startswith", "endswith",
    "gt", "lt", "ge", "le", "in_file", "ignore_case",
)  # fmt: skip
COMBINATORS = ("any", "all", "not")
MAX_PROBLEMS = 20

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class PlanProblem:
    where: str
    message: str
    hint: str | None = None


class PlanError(InputError):
    """A plan that cannot be used (exit 2); lists every problem found, each with file:line."""

    def __init__(self, problems: list[PlanProblem]) -> None:
        first = problems[0]
        super().__init__(first.message, where=first.where, hint=first.hint)
        self.problems = problems

    def render(self) -> str:
        lines = []
        for p in self.problems[:MAX_PROBLEMS]:
            lines.append(f"{p.where}: {p.message}")
            if p.hint:
                lines.append(f"  hint: {p.hint}")
        if len(self.problems) > MAX_PROBLEMS:
            lines.append(f"... and {len(self.problems) - MAX_PROBLEMS} more problems in the plan")
        return "\n".join(lines)


@dataclass
class PlanDoc:
    """The plan's data and where each part of it is in the file."""

    path: Path
    data: dict[str, Any]
    lines: dict[Loc, int] = field(default_factory=dict)
    #: the list of steps sits under "edits" (a mapping plan) or is the whole document
    wrapped: bool = False

    def line(self, loc: Loc) -> int | None:
        """The line of `loc` in the file, or of its nearest enclosing part."""
        if self.wrapped and loc[:1] == ("edits",):
            loc = loc[1:]
        while True:
            line = self.lines.get(loc)
            if line is not None or not loc:
                return line
            loc = loc[:-1]

    def where(self, loc: Loc) -> str:
        line = self.line(loc)
        return f"{self.path}:{line}" if line is not None else str(self.path)

    def problem(self, loc: Loc, message: str, hint: str | None = None) -> PlanProblem:
        return PlanProblem(self.where(loc), describe(loc) + message, hint)


def describe(loc: Loc) -> str:
    """'step 2 (edits[1]).set.family_name: ' for a location inside the steps."""
    if len(loc) >= 2 and loc[0] == "edits" and isinstance(loc[1], int):
        rest = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in loc[2:])
        return f"step {loc[1] + 1} (edits[{loc[1]}]){rest}: "
    return ""


def suggest(word: str, choices: tuple[str, ...] | list[str]) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


# -- YAML 1.2 core ---------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    yaml_implicit_resolvers: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}


for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^[-+]?[0-9]+$", "-+0123456789"),
    ("tag:yaml.org,2002:float", r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$", "-+.0123456789"),
    ("tag:yaml.org,2002:merge", r"^<<$", "<"),
):
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))
_Loader.add_constructor("tag:yaml.org,2002:int", lambda loader, node: int(loader.construct_scalar(node)))
_Loader.add_constructor("tag:yaml.org,2002:float", lambda loader, node: float(loader.construct_scalar(node)))
_Loader.add_constructor(
    "tag:yaml.org,2002:bool", lambda loader, node: loader.construct_scalar(node).lower() == "true"
)

_JSON_SCALARS = (str, int, float, bool, type(None))


class _Build:
    """Turns a composed YAML node tree into plain JSON values, recording each part's line."""

    def __init__(self, loader: _Loader, path: Path) -> None:
        self.loader = loader
        self.path = path
        self.lines: dict[Loc, int] = {}
        self.problems: list[PlanProblem] = []

    def value(self, node: yaml.Node, loc: Loc) -> Any:
        self.lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                if not isinstance(key, str):
                    self.problems.append(
                        PlanProblem(f"{self.path}:{line}", f"key {key!r} is not a string", "quote it")
                    )
                    key = str(key)
                if key in out:
                    self.problems.append(
                        PlanProblem(f"{self.path}:{line}", f"key {key!r} appears twice in one mapping",
                                    "merge the two entries into one")
                    )
                self.lines[loc + (key,)] = line
                out[key] = self.value(value_node, loc + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, loc + (i,)) for i, item in enumerate(node.value)]
        value = self.loader.construct_object(node, deep=True)
        if not isinstance(value, _JSON_SCALARS):
            self.problems.append(
                PlanProblem(f"{self.path}:{node.start_mark.line + 1}",
                            f"{type(value).__name__} values are not JSON", "quote the value to make it a string")
            )
        return value


def _compose(text: str, path: Path) -> tuple[Any, dict[Loc, int], list[PlanProblem]]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, []
        build = _Build(loader, path)
        return build.value(node, ()), build.lines, build.problems
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = exc.problem or str(exc)
        raise PlanError([PlanProblem(f"{path}{line}", f"not valid YAML: {problem}",
                                     "check the indentation and quoting around this line")]) from None
    finally:
        loader.dispose()


def read_plan_file(path: Path) -> PlanDoc:
    """Parse `path` (YAML or JSON) and validate it against the schema; raise PlanError naming each problem."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"plan file {path} does not exist", hint="check the --plan path") from None
    except OSError as exc:
        raise InputError(f"cannot read plan file {path}: {exc.strerror}") from None
    if raw[:2] == b"\x1f\x8b" or raw[:4] == b"PK\x03\x04":
        what = "a gzip-compressed file (an export?)" if raw[:2] == b"\x1f\x8b" else "a zip file (an XLSX sheet?)"
        raise PlanError([PlanProblem(str(path), f"is {what}, not an edit plan",
                                     "the plan is a YAML or JSON file of `edits:`; for a sheet use --sheet; "
                                     "the export comes first: bulkedit edit EXPORT --plan PLAN -o OUT")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanError([PlanProblem(str(path), f"not UTF-8 text (byte {exc.start + 1})", "save the plan as UTF-8")]) from None
    stripped = text.lstrip()
    if path.suffix.lower() == ".json" or stripped[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PlanError([PlanProblem(f"{path}:{exc.lineno}", f"not valid JSON at column {exc.colno}: {exc.msg}")]) from None
        try:
            _, lines, _ = _compose(text, path)  # only for the line of each part
        except PlanError:
            lines = {}
    else:
        data, lines, problems = _compose(text, path)
        if problems:
            raise PlanError(problems)
    if data is None:
        raise PlanError([PlanProblem(str(path), "the plan is empty", "write a list of steps under `edits:`")])
    wrapped = isinstance(data, list)
    doc = PlanDoc(path, {"edits": data} if wrapped else data, lines, wrapped)
    validate(doc)
    return doc


# -- schema ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    schema = load_schema(EDIT_PLAN_SCHEMA)
    # the file accepts a bare list too; documents are wrapped as {"edits": [...]} before validating
    return {**schema["oneOf"][1], "$defs": schema["$defs"], "$schema": schema["$schema"]}


@lru_cache(maxsize=1)
def _fast_validator() -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(_schema())


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    cls = jsonschema.validators.validator_for(_schema())
    return cls(_schema())


def validate(doc: PlanDoc) -> None:
    """Raise PlanError listing every place the plan breaks the schema."""
    if not isinstance(doc.data, dict):
        raise PlanError([PlanProblem(doc.where(()), "a plan is a list of steps, or a mapping with `edits:` holding one",
                                     "start the file with `edits:`")])
    # jsonschema-rs answers "valid" in microseconds and is imported anyway; the python
    # jsonschema (80 ms to import) is only needed to explain a plan that is not valid
    if _fast_validator().is_valid(doc.data):
        return
    problems: list[PlanProblem] = []
    seen: set[tuple[str, str]] = set()
    errors = sorted(_validator().iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path])
    unknown_in = {tuple(e.absolute_path) for e in errors if e.validator == "additionalProperties"}
    for err in errors:
        if err.validator == "anyOf" and tuple(err.absolute_path) in unknown_in:
            continue  # "the step does nothing" only repeats that its action is misspelt
        for problem in _explain(doc, err):
            tag = (problem.where, problem.message)
            if tag not in seen:
                seen.add(tag)
                problems.append(problem)
    if not problems:  # the two validators disagree: trust the stricter one, say what it said
        err = next(iter(_fast_validator().iter_errors(doc.data)))
        problems.append(doc.problem(tuple(err.instance_path), str(err.message)))
    raise PlanError(problems)


def _context(loc: Loc) -> str:
    """What kind of part of the plan `loc` is: plan, step, where, operators, template."""
    if not loc:
        return "plan"
    if len(loc) == 2 and loc[0] == "edits":
        return "step"
    if loc[-1] == "in_file":
        return "in_file"
    if "where" in loc[2:3] or any(s in COMBINATORS for s in loc[3:] if isinstance(s, str)):
        # inside a where: a mapping either combines (any/all/not) or holds a path's operators
        tail = [s for s in loc[2:] if not isinstance(s, int)]
        return "where" if tail[-1] in ("where", *COMBINATORS) else "operators"
    if "template" in loc[2:3]:
        return "template"
    return "other"


_ALLOWED = {
    "plan": ("edits", "description", "version"),
    "step": STEP_KEYS,
    "operators": OPERATORS,
    "template": ("format", "default"),
    "in_file": ("path", "column", "ignore_case"),
    "other": (),
}
_WHAT = {
    "plan": "top-level key",
    "step": "step key",
    "operators": "operator",
    "template": "template option",
    "in_file": "in_file option",
}


def _explain(doc: PlanDoc, err: Any) -> list[PlanProblem]:
    loc: Loc = tuple(err.absolute_path)
    v = err.validator
    if v == "additionalProperties":
        ctx = _context(loc)
        allowed = _ALLOWED.get(ctx, tuple(err.schema.get("properties", {})))
        out = []
        for key in err.instance:
            if key in allowed:
                continue
            what = _WHAT.get(ctx, "key")
            hit = suggest(key, allowed)
            msg = f"unknown {what} {key!r}" + (f" (did you mean {hit!r}?)" if hit else "")
            hint = f"{what}s are: {', '.join(allowed)}" if allowed else None
            if ctx == "step" and key not in allowed and hit is None and doc.data is not None:
                hint = (hint or "") + "; conditions go under `where:`"
            out.append(doc.problem(loc + (key,), msg, hint))
        return out
    if v == "anyOf" and _context(loc) == "step":
        return [doc.problem(loc, "the step does nothing", f"give it one of {', '.join(STEP_ACTIONS)}")]
    if v == "required" and not loc:
        return [doc.problem(loc, "the plan has no `edits:` list", "put the steps in a list under `edits:`")]
    if v == "oneOf" and isinstance(err.instance, dict):
        # the mapping form of a oneOf (template {format, default}, in_file {path, ...}): explain its own errors
        inner = [e for e in err.context if e.validator == "additionalProperties"]
        if inner:
            return [p for e in inner for p in _explain(doc, e)]
    if v == "oneOf":
        last = next((s for s in reversed(loc) if isinstance(s, str)), "")
        if "unset" in loc:
            return [doc.problem(loc, "unset takes a path or a list of paths")]
        if "in_file" in loc:
            return [doc.problem(loc, "in_file takes a file name, or {path, column, ignore_case}")]
        if "template" in loc:
            return [doc.problem(loc, f"the template for {last!r} must be a string or {{format, default}}")]
    if v == "type" and _context(loc) == "step":
        return [doc.problem(loc, f"a step must be a mapping (where:, set:, ...), not {_type_name(err.instance)}")]
    if v == "minProperties" and _context(loc) == "operators":
        return [doc.problem(loc, "an empty mapping selects nothing",
                            "give an operator (eq, in, exists, ...); to compare with an empty object write {eq: {}}")]
    if v == "type":
        want = err.validator_value
        want = " or ".join(want) if isinstance(want, list) else want
        what = _type_name(err.instance)
        name = next((s for s in reversed(loc) if isinstance(s, str)), "the plan")
        if name in ("set", "merge", "append", "remove", "rename", "template", "where", "not"):
            want = "mapping of paths" if name != "not" else "mapping"
        return [doc.problem(loc, f"{name} must be a {_json_word(want)}, not {what}")]
    if v == "minProperties":
        name = next((s for s in reversed(loc) if isinstance(s, str)), "")
        return [doc.problem(loc, f"{name} is empty")]
    if v == "minItems":
        name = next((s for s in reversed(loc) if isinstance(s, str)), "")
        return [doc.problem(loc, f"{name} needs at least one item")]
    return [doc.problem(loc, err.message)]


def _json_word(t: str) -> str:
    return {"object": "mapping", "array": "list", "string": "string", "boolean": "boolean (true/false)"}.get(t, t)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "a number"
