"""Step actions: set, unset, merge, append, remove, rename, template.

Each action is compiled once into a function `user -> user` that returns the same
object when it changes nothing and a path-copied new user otherwise (see values.py),
so the caller can tell what changed by identity. A user an action cannot be applied
to (merging into a string, a template field the user lacks) raises ActionError.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bulkedit.edit.values import Conflict, assoc, deep_merge, dissoc, equal, getter, kind, same
from bulkedit.io import jsonio
from bulkedit.paths import MISSING, format_path, get_path
from bulkedit.paths import Path as FieldPath

Action = Callable[[dict[str, Any]], dict[str, Any]]


def _writes(act: Any, *paths: FieldPath) -> Action:
    """Record on an action the paths it may change: the engine diffs only there."""
    act.paths = paths
    return act  # type: ignore[no-any-return]


class ActionError(ValueError):
    """This user cannot take this action; `code` names the kind of problem, `path` the field."""

    def __init__(self, code: str, path: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.path = path
        self.message = message


class TemplateSyntax(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _conflict(path: FieldPath, exc: Conflict) -> ActionError:
    return ActionError("edit-conflict", format_path(path), f"cannot change {format_path(path)}: {exc}")


def _put(user: dict[str, Any], path: FieldPath, value: Any) -> dict[str, Any]:
    """`assoc`, with a conflict (a parent that is not an object) reported as the step's error."""
    try:
        return assoc(user, path, value)
    except Conflict as exc:
        raise _conflict(path, exc) from None


def set_action(path: FieldPath, value: Any) -> Action:
    read = getter(path)
    scalar = type(value) in (str, int, float, bool) or value is None
    vtype = type(value)
    if len(path) == 1 and type(path[0]) is str:
        key = str(path[0])

        def set_top(user: dict[str, Any]) -> dict[str, Any]:
            old = user.get(key, MISSING)
            if (type(old) is vtype and old == value) if scalar else (old is not MISSING and same(old, value)):
                return user
            new = dict(user)
            new[key] = value
            return new

        return _writes(set_top, path)

    def act(user: dict[str, Any]) -> dict[str, Any]:
        old = read(user)
        if (type(old) is vtype and old == value) if scalar else (old is not MISSING and same(old, value)):
            return user
        return _put(user, path, value)

    return _writes(act, path)


def unset_action(path: FieldPath) -> Action:
    def act(user: dict[str, Any]) -> dict[str, Any]:
        return dissoc(user, path)

    return _writes(act, path)


def merge_action(path: FieldPath, patch: dict[str, Any]) -> Action:
    def act(user: dict[str, Any]) -> dict[str, Any]:
        old = get_path(user, path)
        if old is MISSING or old is None:
            new = patch
        elif type(old) is dict:
            new = deep_merge(old, patch)
            if same(old, new):
                return user
        else:
            raise ActionError("edit-conflict", format_path(path),
                              f"cannot merge an object into {format_path(path)}: it is {kind(old)}")
        return _put(user, path, new)

    return _writes(act, path)


def _items(value: Any) -> list[Any]:
    # list items compare as `where` compares them: 1 and 1.0 are one item, 1 and true two
    items = value if type(value) is list else [value]
    out: list[Any] = []
    for item in items:
        if not any(equal(item, x) for x in out):
            out.append(item)
    return out


def append_action(path: FieldPath, value: Any) -> Action:
    items = _items(value)

    def act(user: dict[str, Any]) -> dict[str, Any]:
        old = get_path(user, path)
        if old is MISSING or old is None:
            new = list(items)
        elif type(old) is list:
            add = [x for x in items if not any(equal(x, y) for y in old)]
            if not add:
                return user
            new = old + add
        else:
            raise ActionError("edit-conflict", format_path(path),
                              f"cannot append to {format_path(path)}: it is {kind(old)}, not a list")
        return _put(user, path, new)

    return _writes(act, path)


def remove_action(path: FieldPath, value: Any) -> Action:
    items = _items(value)

    def act(user: dict[str, Any]) -> dict[str, Any]:
        old = get_path(user, path)
        if old is MISSING or old is None:
            return user
        if type(old) is not list:
            raise ActionError("edit-conflict", format_path(path),
                              f"cannot remove items from {format_path(path)}: it is {kind(old)}, not a list")
        new = [y for y in old if not any(equal(x, y) for x in items)]
        if len(new) == len(old):
            return user
        return assoc(user, path, new)

    return _writes(act, path)


def rename_action(src: FieldPath, dst: FieldPath) -> Action:
    def act(user: dict[str, Any]) -> dict[str, Any]:
        value = get_path(user, src)
        if value is MISSING:
            return user
        there = get_path(user, dst)
        if there is not MISSING and not same(there, value):  # a move must not overwrite a value
            raise ActionError("edit-conflict", format_path(dst),
                              f"cannot rename {format_path(src)} to {format_path(dst)}: {format_path(dst)} already"
                              f" holds {jsonio.dumps(there).decode('utf-8')[:60]}")
        return _put(dissoc(user, src), dst, value)

    return _writes(act, src, dst)


_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def parse_template(text: str, resolve: Callable[[str], FieldPath]) -> list[str | FieldPath]:
    """Literal strings and field paths of `"{given_name} {family_name}"`; `{{` and `}}` are braces."""
    parts: list[str | FieldPath] = []
    pos = 0
    literal = ""
    for m in _FIELD.finditer(text):
        literal += text[pos : m.start()]
        pos = m.end()
        token = m.group(0)
        if token in ("{{", "}}"):
            literal += token[0]
        elif m.group(1) is None:
            raise TemplateSyntax(f"unmatched {token!r} at position {m.start() + 1} (write {token * 2} for a brace)")
        else:
            name = m.group(1).strip()
            if not name:
                raise TemplateSyntax(f"empty field {{}} at position {m.start() + 1}")
            if literal:
                parts.append(literal)
                literal = ""
            parts.append(resolve(name))
    literal += text[pos:]
    if literal:
        parts.append(literal)
    return parts


def _text(value: Any) -> str:
    if type(value) is str:
        return value
    return jsonio.dumps(value).decode("utf-8")


def template_action(path: FieldPath, parts: list[str | FieldPath], default: str | None) -> Action:
    target = format_path(path)

    def act(user: dict[str, Any]) -> dict[str, Any]:
        out: list[str] = []
        for part in parts:
            if type(part) is str:
                out.append(part)
                continue
            value = get_path(user, part)  # type: ignore[arg-type]
            if value is MISSING or value is None:
                if default is None:
                    name = format_path(part)  # type: ignore[arg-type]
                    state = "absent" if value is MISSING else "null"
                    raise ActionError("template-missing-field", target,
                                      f"the template for {target} needs {name}, which is {state} for this user "
                                      "(give the template a default to fill it)")
                out.append(default)
            else:
                out.append(_text(value))
        text = "".join(out)
        old = get_path(user, path)
        if old is not MISSING and same(old, text):
            return user
        return _put(user, path, text)

    return _writes(act, path)
