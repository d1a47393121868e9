"""Data files bulkedit reads at run time, found wherever bulkedit is installed.

The files ship inside the package (`bulkedit.schemas` is the top-level `schemas/`
folder, see setup.py), so `importlib.resources` reads them from a wheel install, a
plain install and an editable one alike; never locate them from `__file__`.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

IMPORT_USER_SCHEMA = "auth0-import-user.schema.json"
EDIT_PLAN_SCHEMA = "edit-plan.schema.json"


def schema_text(name: str) -> str:
    """The text of one of bulkedit's JSON schemas, by file name."""
    return files("bulkedit.schemas").joinpath(name).read_text(encoding="utf-8")


def load_schema(name: str) -> dict[str, Any]:
    """One of bulkedit's JSON schemas, parsed."""
    schema: dict[str, Any] = json.loads(schema_text(name))
    return schema
