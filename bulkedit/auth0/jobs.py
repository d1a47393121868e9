"""Waiting for a job: polls spaced by backoff, shared by pull (one export) and push (import slots)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bulkedit.auth0.client import Api

#: statuses after which a job does no more work
FINAL = ("completed", "failed", "expired", "cancelled")


def wait_for_job(
    api: Api,
    job_id: str,
    *,
    first: float = 0.5,
    factor: float = 1.5,
    longest: float = 10.0,
    on_status: Callable[[dict[str, Any]], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Poll GET /jobs/{id} until the job ends; the waits grow from `first` by `factor` up to `longest`."""
    wait = first
    while True:
        job = api.job(job_id)
        if on_status is not None:
            on_status(job)
        if job.get("status") in FINAL:
            return job
        sleep(wait)
        wait = min(wait * factor, longest)
