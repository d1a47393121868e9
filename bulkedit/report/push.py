"""Renderers for `push` and `pull` results (their to_dict()); they compute nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bulkedit.report import render_json
from bulkedit.report.inspect import render_text as render_inspect


def render_pull_text(data: dict[str, Any]) -> str:
    head = f"tenant:  {data['domain']}\nexport job: {data['job_id']}" + (f" (connection {data['connection']})" if data["connection"] else "") + "\n"
    return head + render_inspect(data["inspect"])


PULL_RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {"text": render_pull_text, "json": render_json}
