"""`pull`: run a users-export job and save its file (gzip NDJSON) atomically, checked whole.

The export's `location` is a time-limited address on another host: it is fetched by a
client that has never seen the Management API token. The file is kept only when it is a
complete gzip stream of NDJSON users, then described as `inspect` describes it.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulkedit.auth0.client import Api, ApiError
from bulkedit.auth0.jobs import wait_for_job
from bulkedit.errors import BulkeditError, InputError, RefusedError, UsageError
from bulkedit.io.atomic import atomic_file

#: What a lossless backup needs: every field an import can set, the fields bulkedit reads to
#: tell users apart (identities, created_at), and the whole metadata objects (JSON exports only).
DEFAULT_FIELDS: tuple[str, ...] = (
    "user_id", "email", "email_verified", "username", "phone_number", "phone_verified",
    "given_name", "family_name", "name", "nickname", "picture", "blocked",
    "created_at", "updated_at", "last_login", "logins_count",
    "identities", "user_metadata", "app_metadata",
)


@dataclass(frozen=True)
class PullResult:
    """What pull saved: the file, the job, and what inspect says about it."""

    file: str
    domain: str
    job_id: str
    connection: str | None
    fields: tuple[str, ...]
    bytes: int
    inspect: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "domain": self.domain,
            "job_id": self.job_id,
            "connection": self.connection,
            "fields": list(self.fields),
            "bytes": self.bytes,
            "inspect": self.inspect,
        }


def resolve_connection(api: Api, name: str, *, database: bool) -> dict[str, Any]:
    """The connection named exactly `name`; with `database`, refused unless it is a database (auth0) connection."""
    try:
        found = [c for c in api.connections(name) if c.get("name") == name]
    except ApiError as exc:
        raise UsageError(f"Auth0 refused the connections lookup: {exc.auth0_message}", hint="the token needs read:connections") from None
    if not found:
        raise UsageError(f"the tenant has no connection named {name!r}", hint="give the name the Dashboard shows under Authentication")
    conn = found[0]
    cid = conn.get("id")
    if not isinstance(cid, str) or not cid.startswith("con_"):
        raise UsageError(f"Auth0 answered connection {name!r} without a con_ id")
    if database and conn.get("strategy") != "auth0":
        raise RefusedError(
            f"connection {name!r} is a {conn.get('strategy')} connection; users can be imported only into a database connection",
            hint="emit the users for a database connection (strategy auth0)",
        )
    return conn


def check_gzip_ndjson(path: Path) -> None:
    """Refuse a download that is not one complete gzip stream (truncated, or not gzip at all)."""
    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise InputError(
            f"the export Auth0 served is not a complete gzip file ({exc})",
            hint="run pull again; the export's link expires after a while, so a new job is made",
        ) from None


def pull(
    api: Api,
    output: Path,
    *,
    connection: str | None = None,
    fields: Sequence[str] | None = None,
    on_status: Callable[[dict[str, Any]], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> PullResult:
    """Export the tenant's users (of `connection`, or all) into `output`, atomically."""
    from bulkedit.inspect import inspect
    from bulkedit.io.read import open_source

    chosen = tuple(fields) if fields else DEFAULT_FIELDS
    body: dict[str, Any] = {"format": "json", "fields": [{"name": f} for f in chosen]}
    if connection is not None:
        body["connection_id"] = resolve_connection(api, connection, database=False)["id"]
    try:
        job = api.export_users(body)
    except ApiError as exc:
        raise UsageError(f"Auth0 refused the export job: {exc.auth0_message}", hint="check --fields and the token's read:users scope") from None
    job = wait_for_job(api, job["id"], on_status=on_status)
    if job.get("status") != "completed":
        details = job.get("status_details") or job.get("status")
        raise RefusedError(f"export job {job['id']} ended {job.get('status')}: {details}", hint="run pull again")
    location = job.get("location")
    if not isinstance(location, str):
        raise BulkeditError(f"export job {job['id']} completed without a download location", hint="run pull again")
    with atomic_file(output) as af:
        af.private = True  # the tenant's users: personal data
        try:
            api.download(location, af.path)
        except ApiError as exc:
            raise UsageError(exc.auth0_message, hint="run pull again (the link expires)") from None
        check_gzip_ndjson(af.path)
        size = af.path.stat().st_size
        try:
            source = open_source(af.path)
            if source.format != "ndjson":
                raise InputError(f"the export holds {source.format}, not NDJSON")
            described = inspect(source, progress=progress).to_dict()
        except InputError as exc:
            raise InputError(f"the export Auth0 served is not NDJSON of users: {exc.message}", hint="run pull again") from None
    described["file"] = str(output)
    return PullResult(str(output), api.domain, str(job["id"]), connection, chosen, size, described)
