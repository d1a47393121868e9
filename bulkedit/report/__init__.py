"""Renderers: turn a result's `to_dict()` into text, json, markdown, html or sarif. They compute nothing."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from bulkedit import privacy
from bulkedit.io import jsonio

R = TypeVar("R", bound=Callable[..., str])


def terminal_safe(render: R) -> R:
    """`render` (a text, markdown or html renderer) with every control and bidi character of its output
    shown escaped (`\\x1b`), line breaks kept: user data cannot drive the terminal that shows the report."""

    @functools.wraps(render)
    def safe(*args: Any, **kwargs: Any) -> str:
        return privacy.lines_safe(render(*args, **kwargs))

    return safe  # type: ignore[return-value]


def render_json(data: dict[str, Any], **_options: Any) -> str:
    """Every report's json format: the complete result, stable key order (options such as a limit do not apply)."""
    return jsonio.dumps_pretty(data).decode("utf-8") + "\n"
