"""A stand-in for Auth0's Management API over HTTPS on 127.0.0.1, for push and pull tests.

It does what Auth0's documentation says (see shared/reference/auth0-formats.md §4) and
records every rule bulkedit breaks in `violations`, which the tests assert is empty:
- /oauth/token (client credentials, audience https://{domain}/api/v2/), bearer tokens that expire;
- GET /api/v2/connections?name=; POST /api/v2/jobs/users-imports (multipart: users,
  connection_id ^con_[A-Za-z0-9]{16}$, upsert, external_id, send_completion_email); a
  users file over the limit gets 413; a third job while two are pending or processing gets 429;
- GET /api/v2/jobs/{id}: pending -> processing -> completed (summary) or failed (status_details);
- GET /api/v2/jobs/{id}/errors: Auth0's array of {user, errors}, or 204;
- POST /api/v2/jobs/users-exports: a job whose location is on another host name
  (`localhost` instead of `127.0.0.1`), where a bearer token is a violation;
- x-ratelimit-* headers on every answer, and bursts of 429 on demand.

Faults are queued with `fault(path_prefix, kind, times)`: "429", "500", "drop_before"
(the connection is closed before the server acts), "drop_after" (after it acted),
"expire_token", "fail_job" (the next import job fails with status_details).
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import gzip
import hashlib
import http.server
import itertools
import json
import re
import secrets
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import trustme

REQUEST_LIMIT = 512_000
FILE_LIMIT = 500_000
CONNECTION_ID = re.compile(r"^con_[A-Za-z0-9]{16}$")
JOB_ID = re.compile(r"^job_[A-Za-z0-9]{16}$")
#: statuses after which a job does no more work
FINAL_STATUSES = ("completed", "failed", "expired", "cancelled")


def _id(prefix: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(16))


@dataclass
class ImportJob:
    id: str
    external_id: str
    connection_id: str
    upsert: bool
    send_completion_email: bool
    filename: str
    sha256: str
    users: list[dict[str, Any]]
    created: float
    ends: float
    fail: str | None = None
    summary: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def status(self, now: float) -> str:
        if now >= self.ends:
            return "failed" if self.fail else "completed"
        return "pending" if now < self.created + (self.ends - self.created) * 0.1 else "processing"


@dataclass
class ExportJob:
    id: str
    body: dict[str, Any]
    created: float
    ends: float
    token: str


class FakeAuth0:
    def __init__(self, workdir: Path, *, job_seconds: float = 0.0, export_users: bytes | None = None, light: bool = False) -> None:
        self.workdir = workdir
        self.job_seconds = job_seconds
        #: for the bench: each users file is parsed and counted (all inserted) but no user is kept
        self.light = light
        self.ca = trustme.CA()
        cert = self.ca.issue_cert("127.0.0.1", "localhost")
        self.ca_file = workdir / "fake-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self.client_id = "fakeclientid0123456789"
        self.client_secret = "SECRET-" + secrets.token_hex(16)
        self.token_life = 86400
        self.static_token = "STATIC-" + secrets.token_hex(16)
        self.tokens: dict[str, float] = {self.static_token: time.time() + 86400}
        self.connections = [
            {"id": "con_" + "A" * 16, "name": "Username-Password-Authentication", "strategy": "auth0"},
            {"id": "con_" + "B" * 16, "name": "legacy-db", "strategy": "auth0"},
            {"id": "con_" + "C" * 16, "name": "google-oauth2", "strategy": "google-oauth2"},
        ]
        self.store: dict[tuple[str, str], dict[str, Any]] = {}  # (connection_id, email) -> user
        self.imports: list[ImportJob] = []
        self.exports: list[ExportJob] = []
        self.export_users = export_users
        self.violations: list[str] = []
        self.requests: list[tuple[float, str, str, str]] = []  # time, method, host, path
        self.third_job_refusals = 0
        self.faults: list[list[Any]] = []  # [path_prefix, kind, times_left]
        #: the Management API's rate limit as Auth0 applies it: a token bucket of `rate_burst`
        #: requests refilled at `rate_per_second`; answers carry x-ratelimit-* unless `rate_headers` is off
        self.rate_burst = 50
        self.rate_per_second = 50.0
        self.rate_tokens = 50.0
        self.rate_at = time.time()
        self.rate_headers = True
        #: whether a processing job's status carries Auth0's time_left_seconds estimate (whole seconds)
        self.time_left = True
        self.rate_refusals = 0
        #: (time, "import" | "poll" | "errors", job id, status) in the order the fake answered them
        self.events: list[tuple[float, str, str, str]] = []
        #: called as interrupt(method, path, phase) at each request's "received" (nothing done yet),
        #: "acted" (done, not answered) and "answered" phases; True: drop the connection there
        #: (the test has killed the client at that point)
        self.interrupt: Callable[[str, str, str], bool] | None = None
        #: each 429 refused a third import job: the ids of the two jobs then in flight
        self.third_job_refused_with: list[list[str]] = []
        #: what a job failed by "fail_job" says in status_details
        self.fail_details = "Failed to parse users file JSON when importing users."
        self.lock = threading.RLock()  # create_import takes a fault while holding it
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(ctx)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # ---- set-up --------------------------------------------------------------------------
    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> FakeAuth0:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def env(self, *, static: bool = False) -> dict[str, str]:
        env = {"AUTH0_DOMAIN": self.domain, "SSL_CERT_FILE": str(self.ca_file)}
        if static:
            env["AUTH0_TOKEN"] = self.static_token
        else:
            env.update(AUTH0_CLIENT_ID=self.client_id, AUTH0_CLIENT_SECRET=self.client_secret)
        return env

    def secrets(self) -> list[str]:
        return [self.client_secret, self.static_token, *self.tokens]

    def take_rate(self) -> bool:
        """Spend one request of the bucket; False when it is empty (the answer is a 429)."""
        with self.lock:
            now = time.time()
            self.rate_tokens = min(self.rate_burst, self.rate_tokens + (now - self.rate_at) * self.rate_per_second)
            self.rate_at = now
            if self.rate_tokens < 1:
                self.rate_refusals += 1
                return False
            self.rate_tokens -= 1
            return True

    def rate_state(self) -> dict[str, str]:
        with self.lock:
            full_in = (self.rate_burst - self.rate_tokens) / self.rate_per_second
            return {"x-ratelimit-limit": str(self.rate_burst), "x-ratelimit-remaining": str(int(self.rate_tokens)),
                    "x-ratelimit-reset": str(int(self.rate_at + full_in + 0.999))}

    def fault(self, prefix: str, kind: str, times: int = 1) -> None:
        with self.lock:
            self.faults.append([prefix, kind, times])

    def _take_fault(self, method: str, path: str) -> str | None:
        with self.lock:
            for f in self.faults:
                if f[2] > 0 and f"{method} {path}".startswith(f[0]):
                    f[2] -= 1
                    return str(f[1])
        return None

    # ---- what the tests read -------------------------------------------------------------
    def in_flight(self, now: float) -> list[ImportJob]:
        return [j for j in self.imports if j.created <= now < j.ends]

    def max_in_flight(self) -> int:
        """The most import jobs pending or processing at once, over the whole run."""
        events = sorted([(j.created, 1) for j in self.imports] + [(j.ends, -1) for j in self.imports], key=lambda e: (e[0], e[1]))
        best = cur = 0
        for _, d in events:
            cur += d
            best = max(best, cur)
        return best

    def imports_by_external_id(self) -> dict[str, list[ImportJob]]:
        out: dict[str, list[ImportJob]] = {}
        for j in self.imports:
            out.setdefault(j.external_id, []).append(j)
        return out

    def occupancy(self) -> float:
        """Share of the time from the first submission to the last one during which both slots were busy."""
        if len(self.imports) < 3:
            return 1.0
        start, end = self.imports[0].created, self.imports[-1].created
        if end <= start:
            return 1.0
        busy = 0.0
        points = sorted({start, end, *(j.created for j in self.imports), *(j.ends for j in self.imports if start < j.ends < end)})
        for a, b in itertools.pairwise(points):
            mid = (a + b) / 2
            if len(self.in_flight(mid)) >= 2:
                busy += b - a
        return busy / (end - start)

    # ---- the API -------------------------------------------------------------------------
    def check_token(self, headers: Any) -> str | None:
        auth = headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return "Missing authentication"
        exp = self.tokens.get(auth[7:])
        if exp is None:
            return "Invalid token"
        if time.time() >= exp:
            return "Expired token received for JSON Web Token validation"
        return None

    def issue_token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type", "error_description": "Unsupported grant type"}
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return 401, {"error": "access_denied", "error_description": "Unauthorized"}
        if form.get("audience") != f"https://{self.domain}/api/v2/":
            self.violations.append(f"token asked for audience {form.get('audience')!r}")
            return 403, {"error": "access_denied", "error_description": "Service not found"}
        tok = "TOKEN-" + secrets.token_hex(24)
        self.tokens[tok] = time.time() + self.token_life
        return 200, {"access_token": tok, "expires_in": self.token_life, "scope": "read:users create:users update:users read:connections", "token_type": "Bearer"}

    def create_import(self, fields: dict[str, str], filename: str, users_raw: bytes) -> tuple[int, dict[str, Any]]:
        now = time.time()
        if len(users_raw) > FILE_LIMIT:
            self.violations.append(f"users file of {len(users_raw)} bytes sent (limit {FILE_LIMIT})")
            return 413, _err(413, "Request Entity Too Large", "Payload content length greater than maximum allowed: 512000")
        cid = fields.get("connection_id", "")
        if not CONNECTION_ID.match(cid):
            self.violations.append(f"connection_id {cid!r} sent")
            return 400, _err(400, "Bad Request", "Payload validation error: 'String does not match pattern ^con_[A-Za-z0-9]{16}$' on property connection_id.", "invalid_body")
        conn = next((c for c in self.connections if c["id"] == cid), None)
        if conn is None:
            return 404, _err(404, "Not Found", "The connection does not exist", "inexistent_connection")
        if conn["strategy"] != "auth0":
            self.violations.append(f"import into non-database connection {conn['name']}")
            return 400, _err(400, "Bad Request", "The connection must be a database connection")
        for key in ("upsert", "send_completion_email"):
            if key in fields and fields[key] not in ("true", "false"):
                self.violations.append(f"{key}={fields[key]!r}")
        if fields.get("send_completion_email", "true") != "false" and not getattr(self, "completion_email_expected", False):
            self.violations.append("send_completion_email left on (Auth0 mails every tenant owner)")
        try:
            users = json.loads(users_raw)
        except ValueError:
            users = None
        with self.lock:
            if len(self.in_flight(now)) >= 2:
                self.third_job_refusals += 1
                self.third_job_refused_with.append([j.id for j in self.in_flight(now)])
                return 429, _err(429, "Too Many Requests", "There are 2 active import users jobs, please wait until some of them are finished and try again", "too_many_requests")
            job = ImportJob(
                id=_id("job_"), external_id=fields.get("external_id", ""), connection_id=cid,
                upsert=fields.get("upsert") == "true", send_completion_email=fields.get("send_completion_email", "true") == "true",
                filename=filename, sha256=hashlib.sha256(users_raw).hexdigest(), users=users if isinstance(users, list) else [],
                created=now, ends=now + self.job_seconds,
            )
            if self._take_fault("JOB", "fail_job") or not isinstance(users, list):
                job.fail = self.fail_details
            elif self.light:
                job.summary = {"failed": 0, "updated": 0, "inserted": len(job.users), "total": len(job.users)}
                job.users = []
            else:
                self._apply(job)
            self.imports.append(job)
            self.events.append((now, "import", job.id, "pending"))
        return 202, {"status": "pending", "type": "users_import", "created_at": _iso(now), "id": job.id,
                     "connection_id": cid, "external_id": job.external_id}

    def _apply(self, job: ImportJob) -> None:
        s = {"failed": 0, "updated": 0, "inserted": 0, "total": len(job.users)}
        for user in job.users:
            mail = str(user.get("email", "")).lower()
            key = (job.connection_id, mail)
            errs: list[dict[str, str]] = []
            if mail.startswith("reject"):
                errs = [{"code": "INVALID_FORMAT", "message": "Object didn't pass validation for format email", "path": "email"}]
            elif key in self.store and not job.upsert:
                errs = [{"code": "DUPLICATED_USER", "message": "The user already exist", "path": ""}]
            if errs:
                s["failed"] += 1
                shown = {k: ("*****" if k == "password_hash" else v) for k, v in user.items()}
                job.errors.append({"user": shown, "errors": errs})
                continue
            s["updated" if key in self.store else "inserted"] += 1
            self.store[key] = user
        job.summary = s

    def job_status(self, job_id: str) -> tuple[int, dict[str, Any]]:
        now = time.time()
        for j in self.imports:
            if j.id == job_id:
                st = j.status(now)
                body: dict[str, Any] = {"status": st, "type": "users_import", "created_at": _iso(j.created), "id": j.id,
                                        "connection_id": j.connection_id, "external_id": j.external_id}
                self.events.append((now, "poll", j.id, st))
                if st == "processing" and self.time_left:  # Auth0's estimate of the time left
                    body["percentage_done"] = int(100 * (now - j.created) / max(j.ends - j.created, 1e-9))
                    body["time_left_seconds"] = max(int(j.ends - now), 0)
                if st == "completed":
                    body["summary"] = j.summary
                elif st == "failed":
                    body["status_details"] = j.fail
                return 200, body
        for e in self.exports:
            if e.id == job_id:
                st = "completed" if now >= e.ends else "pending"
                body = {"status": st, "type": "users_export", "created_at": _iso(e.created), "id": e.id, "format": e.body.get("format", "csv")}
                if "connection_id" in e.body:
                    body["connection_id"] = e.body["connection_id"]
                if st == "completed":
                    body["location"] = f"https://localhost:{self.port}/exports/{e.id}.json.gz?sig={e.token}"
                return 200, body
        return 404, _err(404, "Not Found", "The job does not exist", "inexistent_job")

    def job_errors(self, job_id: str) -> tuple[int, Any]:
        for j in self.imports:
            if j.id == job_id:
                self.events.append((time.time(), "errors", j.id, j.status(time.time())))
                if j.status(time.time()) in ("pending", "processing"):
                    return 200, self.job_status(job_id)[1]
                return (200, j.errors) if j.errors else (204, None)
        return 404, _err(404, "Not Found", "The job does not exist", "inexistent_job")

    def create_export(self, body: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(body, dict) or body.get("format") not in ("json", "csv"):
            self.violations.append(f"export job body {body!r}")
            return 400, _err(400, "Bad Request", "Payload validation error")
        if "connection_id" in body and not CONNECTION_ID.match(str(body["connection_id"])):
            self.violations.append(f"export connection_id {body['connection_id']!r}")
            return 400, _err(400, "Bad Request", "Payload validation error: connection_id")
        now = time.time()
        job = ExportJob(_id("job_"), body, now, now + self.job_seconds, secrets.token_hex(8))
        self.exports.append(job)
        return 201, {"status": "pending", "type": "users_export", "created_at": _iso(now), "id": job.id, "format": body["format"]}


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


def _err(status: int, error: str, message: str, code: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"statusCode": status, "error": error, "message": message}
    if code:
        body["errorCode"] = code
    return body


def _handler(fake: FakeAuth0) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body go out as two writes: without TCP_NODELAY, Nagle's algorithm holds the
        # body until the client's delayed ACK (40 ms), a latency no real server adds
        disable_nagle_algorithm = True

        def log_message(self, *args: Any) -> None:
            pass

        def _body(self) -> bytes:
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
            self.send_response(status)
            base = fake.rate_state() if fake.rate_headers else {}
            for k, v in {**base, **(headers or {})}.items():
                self.send_header(k, v)
            if raw or status != 204:
                self.send_header("Content-Type", "application/json" if not isinstance(body, bytes) else "application/octet-stream")
                self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            if raw:
                self.wfile.write(raw)

        def _drop(self) -> None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def _route(self, method: str) -> None:
            url = urlsplit(self.path)
            host = self.headers.get("Host", "")
            fake.requests.append((time.time(), method, host, url.path))
            if fake.interrupt is not None and fake.interrupt(method, url.path, "received"):
                return self._drop()
            if url.path.startswith("/exports/"):
                return self._download(url, host)
            if not host.startswith("127.0.0.1"):
                fake.violations.append(f"API call on host {host}")
            kind = fake._take_fault(method, url.path)
            if kind == "drop_before":
                return self._drop()
            limited = url.path.startswith("/api/v2/") and kind != "429" and not fake.take_rate()
            if kind == "429" or limited:
                head = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 1)} if fake.rate_headers else {}
                self._body()
                return self._send(429, _err(429, "Too Many Requests", "Global limit has been reached", "too_many_requests"), head)
            if kind == "500":
                self._body()
                return self._send(503, _err(503, "Service Unavailable", "The service is unavailable"))
            if kind == "expire_token":
                with fake.lock:
                    for t in list(fake.tokens):
                        fake.tokens[t] = 0.0
            body = self._body() if method == "POST" else b""
            if url.path == "/oauth/token":
                ctype = self.headers.get("Content-Type", "")
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()} if "urlencoded" in ctype else json.loads(body or b"{}")
                status, answer = fake.issue_token(form)
                return self._finish(kind, status, answer)
            problem = fake.check_token(self.headers)
            if problem:
                return self._send(401, _err(401, "Unauthorized", problem, "invalid_token"))
            if len(body) > REQUEST_LIMIT:
                fake.violations.append(f"request of {len(body)} bytes")
                return self._send(413, _err(413, "Request Entity Too Large", "Payload content length greater than maximum allowed: 512000"))
            if method == "GET" and url.path == "/api/v2/connections":
                q = parse_qs(url.query)
                names = q.get("name")
                found = [c for c in fake.connections if names is None or c["name"] == names[0]]
                return self._finish(kind, 200, found)
            if method == "POST" and url.path == "/api/v2/jobs/users-imports":
                fields, filename, users = self._multipart(body)
                if users is None:
                    fake.violations.append("import without a users file part")
                    return self._send(400, _err(400, "Bad Request", "Missing users file"))
                status, answer = fake.create_import(fields, filename, users)
                return self._finish(kind, status, answer)
            if method == "POST" and url.path == "/api/v2/jobs/users-exports":
                status, answer = fake.create_export(json.loads(body or b"null"))
                return self._finish(kind, status, answer)
            m = re.match(r"^/api/v2/jobs/([^/]+)(/errors)?$", url.path)
            if method == "GET" and m:
                status, answer = (fake.job_errors if m.group(2) else fake.job_status)(m.group(1))
                return self._finish(kind, status, answer)
            return self._send(404, _err(404, "Not Found", "Not Found"))

        def _finish(self, kind: str | None, status: int, answer: Any) -> None:
            if kind == "drop_after":  # the server acted; the answer is lost
                return self._drop()
            path = urlsplit(self.path).path
            if fake.interrupt is not None and fake.interrupt(self.command, path, "acted"):
                return self._drop()
            try:
                self._send(status, answer)
                self.wfile.flush()
            except OSError:  # the client is gone
                self.close_connection = True
                return
            if fake.interrupt is not None:
                fake.interrupt(self.command, path, "answered")

        def _multipart(self, body: bytes) -> tuple[dict[str, str], str, bytes | None]:
            ctype = self.headers.get("Content-Type", "")
            if not ctype.startswith("multipart/form-data"):
                fake.violations.append(f"import sent as {ctype}")
                return {}, "", None
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
            fields: dict[str, str] = {}
            users: bytes | None = None
            filename = ""
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True) or b""
                if name == "users":
                    users, filename = payload, part.get_filename() or ""
                elif isinstance(name, str):
                    fields[name] = payload.decode()
            return fields, filename, users

        def _download(self, url: Any, host: str) -> None:
            if not host.startswith("localhost"):
                fake.violations.append(f"download asked on {host}")
            if self.headers.get("Authorization"):
                fake.violations.append("the bearer token was sent to the export's host")
            job = next((e for e in fake.exports if url.path == f"/exports/{e.id}.json.gz"), None)
            if job is None or parse_qs(url.query).get("sig") != [job.token]:
                return self._send(403, b"<Error>AccessDenied</Error>")
            data = fake.export_users or gzip.compress(b"")
            kind = fake._take_fault("GET", "/exports/")
            if kind == "truncate":
                data = data[: len(data) // 2]
            if kind == "drop_before":
                return self._drop()
            self._send(200, data)

    return Handler
