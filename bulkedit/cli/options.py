"""Options shared by several commands, defined once."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

InputFile = Annotated[Path, typer.Argument(help="An Auth0 export or user file: NDJSON, JSON, CSV or XLSX, optionally .gz.", show_default=False)]
OutputFile = Annotated[Path, typer.Option("-o", "--output", metavar="OUT", help="Where to write (format from the suffix).", show_default=False)]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Replace an existing output file (atomically); without it an existing -o is refused.")
]
MapOption = Annotated[
    Path | None,
    typer.Option("--map", metavar="FILE", help='JSON/YAML object {"column": "auth0.field.path"} overriding column-name mapping.'),
]


class Key(StrEnum):
    user_id = "user_id"
    email = "email"


KeyOption = Annotated[Key, typer.Option("--key", help="Match users by user_id (prefix-aware) or email (case-insensitive).")]
