"""Renderers: turn a result's `to_dict()` into text, json, markdown, html or sarif. They compute nothing."""
