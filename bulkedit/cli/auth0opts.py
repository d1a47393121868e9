"""Options and set-up that push and pull share: the tenant, the credentials, the session."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

DomainOption = Annotated[
    str | None,
    typer.Option("--domain", help="The tenant's host (or host:port); default $AUTH0_DOMAIN. HTTPS only.", show_default=False),
]


def open_api(domain: str | None):  # type: ignore[no-untyped-def]
    """An Api for --domain/AUTH0_DOMAIN with the environment's credentials and trust store (exit 2 when unusable)."""
    from bulkedit.auth0.client import Api
    from bulkedit.auth0.connection import credentials_from_env, parse_domain, ssl_context

    host = parse_domain(domain if domain is not None else os.environ.get("AUTH0_DOMAIN"))
    creds = credentials_from_env()
    return Api(host, creds, ssl_context(), on_wait=_note_wait)


def _note_wait(why: str, seconds: float) -> None:
    if seconds >= 1 and sys.stderr.isatty():
        print(f"bulkedit: waiting {seconds:.0f}s ({why})", file=sys.stderr)
