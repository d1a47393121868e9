"""Selectors (`where`): compiled once into predicates over a user.

A path absent from a user matches no operator (`ne` and `not_in` included) except
`exists: false`: "users whose plan is not trial" should not quietly include users
that have no plan at all.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulkedit import privacy
from bulkedit.edit.planfile import Loc
from bulkedit.edit.values import equal, getter
from bulkedit.io import tabular
from bulkedit.paths import MISSING
from bulkedit.paths import Path as FieldPath

Predicate = Callable[[dict[str, Any]], bool]


class SelectError(ValueError):
    """A selector that cannot be compiled: `loc` says where in the plan, `hint` what to do."""

    def __init__(self, loc: Loc, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message
        self.hint = hint


@dataclass
class ListedValues:
    """The values of an `in_file` list, and which of them some user had."""

    file: Path
    values: frozenset[str]
    ignore_case: bool
    found: set[str] = field(default_factory=set)

    @property
    def missing(self) -> list[str]:
        return sorted(self.values - self.found)


def _fold(value: Any) -> Any:
    return value.casefold() if type(value) is str else value


def _number(value: Any) -> bool:
    return type(value) in (int, float)


def _ordered(op: str, operand: Any) -> Callable[[Any], bool]:
    is_num = _number(operand)

    def comparable(v: Any) -> bool:
        return _number(v) if is_num else type(v) is str

    if op == "gt":
        return lambda v: comparable(v) and v > operand
    if op == "lt":
        return lambda v: comparable(v) and v < operand
    if op == "ge":
        return lambda v: comparable(v) and v >= operand
    return lambda v: comparable(v) and v <= operand


def _membership(items: list[Any], ignore_case: bool) -> Callable[[Any], bool]:
    strings = frozenset(_fold(x) if ignore_case else x for x in items if type(x) is str)
    others = [x for x in items if type(x) is not str]

    def member(v: Any) -> bool:
        if type(v) is str:
            return (_fold(v) if ignore_case else v) in strings
        return any(equal(v, x) for x in others)

    return member


def _eq(operand: Any, ignore_case: bool) -> Callable[[Any], bool]:
    if ignore_case and type(operand) is str:
        folded = operand.casefold()
        return lambda v: type(v) is str and v.casefold() == folded
    if type(operand) is str:
        return lambda v: v == operand and type(v) is str
    return lambda v: equal(v, operand)


def _text_op(op: str, operand: str, ignore_case: bool) -> Callable[[Any], bool]:
    o = operand.casefold() if ignore_case else operand
    fold = str.casefold if ignore_case else (lambda s: s)
    if op == "startswith":
        return lambda v: type(v) is str and fold(v).startswith(o)
    return lambda v: type(v) is str and fold(v).endswith(o)


def _contains(operand: Any, ignore_case: bool) -> Callable[[Any], bool]:
    item_eq = _eq(operand, ignore_case)

    def contains(v: Any) -> bool:
        if type(v) is str:
            if type(operand) is not str:
                return False
            return (operand.casefold() in v.casefold()) if ignore_case else operand in v
        if type(v) is list:
            return any(item_eq(x) for x in v)
        return False

    return contains


def _inline(path: FieldPath, test: Callable[[Any], bool]) -> Predicate:
    """`test(value at path)`, False when absent, as one function with the path lookups inlined.

    The selector runs for every user and step; a generated function avoids three
    Python calls per test (getter, wrapper, test), a third of the edit's time.
    """
    lines = ["def pred(u):", f"    v = u.get({path[0]!r}, M)"]
    for seg in path[1:]:
        lines.append("    if type(v) is not dict: return False")
        lines.append(f"    v = v.get({seg!r}, M)")
    lines.append("    return v is not M and test(v)")
    scope: dict[str, Any] = {"M": MISSING, "test": test, "dict": dict, "type": type}
    exec("\n".join(lines), scope)  # noqa: S102 - the source holds only repr()s of the plan's path keys
    return scope["pred"]  # type: ignore[no-any-return]


def _any_of(subs: list[Predicate]) -> Predicate:
    return lambda u: any(s(u) for s in subs)


def _all_of(subs: list[Predicate]) -> Predicate:
    return lambda u: all(s(u) for s in subs)


def _not(sub: Predicate) -> Predicate:
    return lambda u: not sub(u)


class Compiler:
    """Compiles `where` mappings; `resolve` turns a plan path text into a field path."""

    def __init__(self, resolve: Callable[[str, Loc], FieldPath], base: Path) -> None:
        self.resolve = resolve
        self.base = base
        self.lists: list[tuple[Loc, ListedValues]] = []

    def where(self, spec: dict[str, Any], loc: Loc) -> Predicate:
        preds: list[Predicate] = []
        for key, value in spec.items():
            here = loc + (key,)
            if key == "any":
                preds.append(_any_of([self.where(w, here + (i,)) for i, w in enumerate(value)]))
            elif key == "all":
                preds.append(_all_of([self.where(w, here + (i,)) for i, w in enumerate(value)]))
            elif key == "not":
                preds.append(_not(self.where(value, here)))
            else:
                path = self.resolve(key, here)
                preds.append(self.field(path, value if type(value) is dict else {"eq": value}, here))
        if not preds:
            return lambda u: True
        if len(preds) == 1:
            return preds[0]
        return _all_of(preds)

    def field(self, path: FieldPath, ops: dict[str, Any], loc: Loc) -> Predicate:
        ignore_case = bool(ops.get("ignore_case", False))
        exists = ops.get("exists")
        tests: list[Callable[[Any], bool]] = []
        for op, operand in ops.items():
            if op in ("ignore_case", "exists"):
                continue
            try:
                tests.append(self.operator(op, operand, ignore_case, loc + (op,)))
            except SelectError as exc:
                if not privacy.is_secret(tuple(path)):
                    raise
                # a hash or token pasted into the plan as an operand is not echoed back
                texts = [str(x) for x in (operand if type(operand) is list else [operand])]
                raise SelectError(exc.loc, privacy.scrub(exc.message, texts), exc.hint) from None
        if exists is None and not tests:
            raise SelectError(loc, "ignore_case alone selects nothing", "add an operator such as eq or in_file")
        get = getter(path)
        if exists is None and len(tests) == 1:
            if all(type(seg) is str for seg in path):
                return _inline(path, tests[0])
            (test,) = tests

            def pred1(user: dict[str, Any]) -> bool:
                v = get(user)
                return v is not MISSING and test(v)

            return pred1

        def pred(user: dict[str, Any]) -> bool:
            v = get(user)
            if v is MISSING:
                return exists is False
            if exists is False:
                return False
            return all(t(v) for t in tests)

        return pred

    def operator(self, op: str, operand: Any, ignore_case: bool, loc: Loc) -> Callable[[Any], bool]:
        if op == "eq":
            return _eq(operand, ignore_case)
        if op == "ne":
            eq = _eq(operand, ignore_case)
            return lambda v: not eq(v)
        if op == "in":
            return _membership(operand, ignore_case)
        if op == "not_in":
            member = _membership(operand, ignore_case)
            return lambda v: not member(v)
        if op == "matches":
            try:
                rx = re.compile(operand, re.IGNORECASE if ignore_case else 0)
            except re.error as exc:
                raise SelectError(loc, f"bad regular expression {operand!r}: {exc}") from None
            return lambda v: type(v) is str and rx.search(v) is not None
        if op == "contains":
            return _contains(operand, ignore_case)
        if op in ("startswith", "endswith"):
            return _text_op(op, operand, ignore_case)
        if op in ("gt", "lt", "ge", "le"):
            if isinstance(operand, bool):
                raise SelectError(loc, f"{op} compares numbers or strings, not booleans")
            return _ordered(op, operand)
        if op == "in_file":
            spec = operand if type(operand) is dict else {"path": operand}
            listed = self.load_list(spec, ignore_case or bool(spec.get("ignore_case")), loc)
            self.lists.append((loc, listed))
            values, found, fold = listed.values, listed.found, listed.ignore_case

            def in_file(v: Any) -> bool:
                if type(v) is not str:
                    if type(v) is not int:
                        return False
                    v = str(v)
                key = v.casefold() if fold else v
                if key in values:
                    found.add(key)
                    return True
                return False

            return in_file
        raise SelectError(loc, f"unknown operator {op!r}")  # the schema lets none through

    def load_list(self, spec: dict[str, Any], ignore_case: bool, loc: Loc) -> ListedValues:
        """Values of an in_file list: one a line, or one column of a CSV/TSV (by header name)."""
        file = Path(spec["path"])
        if not file.is_absolute():
            file = self.base / file
        try:
            text = file.read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            raise SelectError(loc, f"in_file list {file} does not exist",
                              "paths in a plan are relative to the plan file's folder") from None
        except UnicodeDecodeError:
            raise SelectError(loc, f"in_file list {file} is not UTF-8 text") from None
        except OSError as exc:
            raise SelectError(loc, f"cannot read in_file list {file}: {exc.strerror}") from None
        column = spec.get("column")
        tabular = column is not None or file.suffix.lower() in (".csv", ".tsv")
        values = self._column(text, file, column, loc) if tabular else [line.strip() for line in text.splitlines()]
        folded = frozenset((v.casefold() if ignore_case else v) for v in values if v)
        return ListedValues(file, folded, ignore_case)

    def _column(self, text: str, file: Path, column: str | None, loc: Loc) -> list[str]:
        head = text.split("\n", 1)[0]
        delimiter = "\t" if head.count("\t") > head.count(",") else ","
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = next(rows, None)
        if not header:
            raise SelectError(loc, f"in_file list {file} is empty")
        names = [h.strip() for h in header]
        if column is None:
            if len(names) != 1:
                raise SelectError(loc, f"in_file list {file} has {len(names)} columns; say which one",
                                  f"use in_file: {{path: {file.name}, column: <one of {', '.join(names)}>}}")
            index = 0
        elif column in names:
            index = names.index(column)
        else:
            raise SelectError(loc, f"in_file list {file} has no column {column!r}",
                              f"its columns are: {', '.join(names)}")
        return [tabular.unneutralise(row[index].strip()) for row in rows if len(row) > index]
