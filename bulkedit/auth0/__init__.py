"""Talking to Auth0's Management API: the only part of bulkedit that goes online.

`connection` (domain, credentials, certificates), `client` (requests with retries and
rate limits), `pull` (users-export job -> file), `journal` (push's crash-safe state),
and push in four rooms: `plan` (what push will do and did), `prepare` (check the folder,
resolve connections), `schedule` (the jobs in flight) and `push` (chunks -> import jobs).
Nothing here imports typer or rich.
"""

from __future__ import annotations

from bulkedit.auth0.client import Api, ApiError
from bulkedit.auth0.plan import PushPlan, PushResult
from bulkedit.auth0.prepare import prepare
from bulkedit.auth0.pull import pull
from bulkedit.auth0.push import dry_run, push

__all__ = ["Api", "ApiError", "PushPlan", "PushResult", "dry_run", "prepare", "pull", "push"]
