"""Renderers: turn a result's `to_dict()` into text, json, markdown, html or sarif. They compute nothing."""

from __future__ import annotations

from typing import Any

from bulkedit.io import jsonio


def render_json(data: dict[str, Any], **_options: Any) -> str:
    """Every report's json format: the complete result, stable key order (options such as a limit do not apply)."""
    return jsonio.dumps_pretty(data).decode("utf-8") + "\n"
