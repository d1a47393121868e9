"""The Management API calls push and pull make, with Auth0's rules for retrying them.

Which failures are retried, and how:
- 429 (rate limit): always retried, after what the answer's `retry-after` or
  `x-ratelimit-reset` says (else exponential backoff); a 429 on an import job also means
  "two jobs already run" and goes back to the caller as `Busy`, who knows its slots.
- 5xx and dropped connections: a read (GET), the token and an export job are sent again a
  bounded number of times. An import job is not: the server may have created it, so the
  caller gets `InDoubt` and decides (exactly-once lives in push's journal).
- A connection that could not be opened never reached the server: retried for every call.
- 401: a client-credentials token is fetched again once; a fixed token is unusable (exit 2).
- Other 4xx: `ApiError`, Auth0's own message, no retry.

`x-ratelimit-remaining: 0` makes the next call wait until `x-ratelimit-reset`.
"""

from __future__ import annotations

import email.utils
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import stamina
import stamina.instrumentation

from bulkedit import __version__
from bulkedit.auth0.connection import CREDENTIALS_HINT, Credentials
from bulkedit.errors import BulkeditError, UsageError
from bulkedit.io import jsonio

#: bounds of one call's retries (rate-limit waits included)
ATTEMPTS = 8
RETRY_TIMEOUT = 300.0
#: longest wait one rate-limit answer can impose (a reset far in the future is a clock skew)
MAX_RATE_WAIT = 60.0
TIMEOUT = httpx.Timeout(60.0, connect=15.0)


class ApiError(BulkeditError):
    """Auth0 refused the call for good (a 4xx other than 401/429): its status and message (exit 2
    when nothing handles it). `auth0_message` is Auth0's own text (shown escaped, as all messages are)."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(f"Auth0 answered HTTP {status}: {message}", hint="run the command again; if it keeps failing, check the tenant in the Dashboard")
        self.status = status
        self.auth0_message = message
        self.code = code


class InDoubt(Exception):
    """An import job's request may or may not have reached Auth0 (connection dropped, 5xx)."""


class Busy(Exception):
    """Auth0 answered 429 to an import job: too many jobs, or the rate limit. `wait`: seconds it asked for."""

    def __init__(self, wait: float | None, message: str) -> None:
        super().__init__(message)
        self.wait = wait


class CredentialsError(UsageError):
    """The token or client credentials are refused, or lack a scope (exit 2)."""


class Unreachable(BulkeditError):
    """Auth0 could not be reached, or kept failing, after every retry (exit 2; push resumes when run again)."""


class _Retry(Exception):
    def __init__(self, wait: float | None, why: str) -> None:
        super().__init__(why)
        self.wait = wait


def _retry_hook(exc: Exception) -> bool | float:
    if isinstance(exc, _Retry):
        return exc.wait if exc.wait is not None else True
    return False


@dataclass
class RateState:
    """The last rate-limit headers seen."""

    remaining: int | None = None
    reset_at: float | None = None  # epoch seconds
    limit: int | None = None

    def pause(self, now: float) -> float:
        """Seconds to wait before the next call: none while the budget is comfortable; when it runs low
        (a tenth of the limit or less), the time to the reset spread over the calls left, so the
        budget lasts to the reset instead of ending in 429s; the whole time to the reset at 0."""
        if self.remaining is None or self.reset_at is None:
            return 0.0
        left = self.reset_at - now
        if left <= 0:
            return 0.0
        if self.remaining <= 0:
            return min(left, MAX_RATE_WAIT)
        low = max(2, (self.limit or 0) // 10)
        if self.remaining > low:
            return 0.0
        # the rate the budget comes back at (a token bucket full again at the reset)
        spent = (self.limit - self.remaining) if self.limit and self.limit > self.remaining else self.remaining + 1
        return min(left / spent, MAX_RATE_WAIT)


def _attempts() -> Any:
    """stamina's retry loop under this module's rules: what `_retry_hook` retries, at most
    ATTEMPTS tries within RETRY_TIMEOUT seconds, backing off from 0.2 s to 10 s."""
    return stamina.retry_context(on=_retry_hook, attempts=ATTEMPTS, timeout=RETRY_TIMEOUT, wait_initial=0.2, wait_max=10.0)


def _error_text(resp: httpx.Response) -> tuple[str, str | None]:
    """Auth0's error message and errorCode from an error answer (plain text if it is not JSON)."""
    try:
        body = jsonio.loads(resp.content) if resp.content else None
    except (jsonio.JSONError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        msg = body.get("message") or body.get("error_description") or body.get("error") or resp.reason_phrase
        code = body.get("errorCode") or (body.get("error") if isinstance(body.get("error"), str) else None)
        return str(msg), str(code) if code is not None else None
    text = resp.text.strip().splitlines()[0][:200] if resp.text.strip() else resp.reason_phrase
    return text, None


def rate_wait(headers: httpx.Headers, now: float | None = None) -> float | None:
    """Seconds a 429 asks to wait: `retry-after` (seconds or a date), else `x-ratelimit-reset` (epoch seconds)."""
    now = time.time() if now is None else now
    ra = headers.get("retry-after")
    if ra:
        try:
            return min(max(float(ra), 0.0), MAX_RATE_WAIT)
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(ra) if ra else None
            if parsed is not None:
                return min(max(parsed.timestamp() - now, 0.0), MAX_RATE_WAIT)
    reset = headers.get("x-ratelimit-reset")
    if reset:
        try:
            return min(max(float(reset) - now, 0.0), MAX_RATE_WAIT)
        except ValueError:
            return None
    return None


def _cert_problem(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class Api:
    """A Management API session for one tenant: token, retries, rate limits.

    `sleep` and `clock` are injectable so a caller (push's scheduler) can share them.
    """

    def __init__(
        self,
        domain: str,
        credentials: Credentials,
        ctx: ssl.SSLContext,
        *,
        on_wait: Callable[[str, float], None] | None = None,
    ) -> None:
        self.domain = domain
        self.base = f"https://{domain}"
        self.credentials = credentials
        self.ctx = ctx
        self.on_wait = on_wait
        self.rate = RateState()
        self._token: str | None = credentials.token
        self._token_expires: float | None = None
        self._lock = threading.Lock()
        # stamina logs each retry through the logging module by default; bulkedit reports its own waits
        stamina.instrumentation.set_on_retry_hooks([])
        self.http = httpx.Client(
            base_url=self.base,
            verify=ctx,
            timeout=TIMEOUT,
            headers={"User-Agent": f"bulkedit/{__version__}"},
            follow_redirects=False,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- token -------------------------------------------------------------------------

    def _fetch_token(self) -> None:
        c = self.credentials
        audience = c.audience or f"https://{self.domain}/api/v2/"
        form = {"grant_type": "client_credentials", "client_id": c.client_id or "", "client_secret": c.client_secret or "", "audience": audience}
        resp = self._send("POST", "/oauth/token", idempotent=True, authorized=False, data=form)
        if resp.status_code != 200:
            msg, _ = _error_text(resp)
            raise CredentialsError(
                f"Auth0 refused the client credentials (HTTP {resp.status_code}: {msg})",
                hint="check AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET, and that the application is authorized for the Management API (audience "
                f"{audience})",
            )
        body = self._json(resp, "the token answer")
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise CredentialsError("Auth0's token answer holds no access_token", hint=CREDENTIALS_HINT)
        expires_in = body.get("expires_in")
        self._token = token
        # refreshed a minute before it runs out (or at half its life when that is shorter)
        life = float(expires_in) if isinstance(expires_in, int | float) and expires_in > 0 else 3600.0
        self._token_expires = time.monotonic() + max(life - min(60.0, life / 2), 0.0)

    def _bearer(self) -> str:
        with self._lock:
            if self.credentials.refreshable and (
                self._token is None or (self._token_expires is not None and time.monotonic() >= self._token_expires)
            ):
                self._fetch_token()
            assert self._token is not None
            return self._token

    # ---- one call, with retries --------------------------------------------------------

    def _wait_rate(self) -> None:
        wait = self.rate.pause(time.time())
        if wait > 0:
            if self.on_wait:
                self.on_wait("rate limit", wait)
            time.sleep(wait)
            self.rate.remaining = None  # the next answer says again

    def _note_rate(self, resp: httpx.Response) -> None:
        rem, reset, limit = (resp.headers.get(f"x-ratelimit-{h}") for h in ("remaining", "reset", "limit"))
        try:
            self.rate.remaining = int(rem) if rem is not None else None
            self.rate.reset_at = float(reset) if reset is not None else None
            self.rate.limit = int(limit) if limit is not None else None
        except ValueError:
            self.rate.remaining = None

    def _send(self, method: str, path: str, *, idempotent: bool, authorized: bool = True, **kw: Any) -> httpx.Response:
        """One request with the retry rules of the module docstring. 429 on a non-idempotent call raises Busy."""
        refreshed = False
        began = time.monotonic()
        try:
            for attempt in _attempts():
                with attempt:
                    self._wait_rate()
                    headers = {"Authorization": f"Bearer {self._bearer()}"} if authorized else {}
                    try:
                        resp = self.http.request(method, path, headers=headers, **kw)
                    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                        cert = _cert_problem(exc)
                        if cert is not None:
                            raise UsageError(
                                f"the certificate of {self.domain} is not trusted ({cert.verify_message})",
                                hint="if a company proxy or a private CA signs it, point SSL_CERT_FILE or SSL_CERT_DIR at its CA certificate",
                            ) from None
                        raise _Retry(None, f"cannot connect to {self.domain}") from None
                    except httpx.TransportError as exc:
                        if not idempotent:
                            raise InDoubt(f"the connection to {self.domain} broke during {method} {path} ({type(exc).__name__})") from None
                        raise _Retry(None, f"connection to {self.domain} broke ({type(exc).__name__})") from None
                    self._note_rate(resp)
                    status = resp.status_code
                    if status == 429:
                        wait = rate_wait(resp.headers)
                        if not idempotent:
                            raise Busy(wait, _error_text(resp)[0])
                        if self.on_wait:
                            self.on_wait("rate limit (429)", wait if wait is not None else 0.0)
                        raise _Retry(wait, "429")
                    if status >= 500:
                        if not idempotent:
                            raise InDoubt(f"Auth0 answered {status} to {method} {path}: {_error_text(resp)[0]}")
                        raise _Retry(None, f"HTTP {status}")
                    if status == 401 and authorized:
                        if self.credentials.refreshable and not refreshed:
                            refreshed = True
                            with self._lock:
                                self._token = None
                            raise _Retry(0.0, "token expired")
                        msg, _ = _error_text(resp)
                        raise CredentialsError(
                            f"Auth0 refused the token ({msg})",
                            hint="the token may have expired: get a new one, or use AUTH0_CLIENT_ID + AUTH0_CLIENT_SECRET so bulkedit renews it",
                        )
                    if status == 403 and authorized:
                        msg, _ = _error_text(resp)
                        raise CredentialsError(
                            f"Auth0 refused {method} {path}: {msg}",
                            hint="the token needs the scopes read:users, create:users, update:users and read:connections",
                        )
                    return resp
        except _Retry as exc:
            if str(exc) == "429":
                raise Unreachable(
                    f"{self.domain} kept answering 429 Too Many Requests to {method} {path}, "
                    f"{ATTEMPTS} times over {time.monotonic() - began:.0f}s",
                    hint="the tenant's Management API rate limit is used up (by this run or other programs using the "
                    "same tenant); wait a few minutes, then run the same command again: push resumes where it stopped",
                ) from None
            raise Unreachable(
                f"{self.domain}: {exc} after {ATTEMPTS} attempts",
                hint="check the network and Auth0's status page, then run the command again (push resumes where it stopped)",
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _json(resp: httpx.Response, what: str) -> Any:
        try:
            return jsonio.loads(resp.content)
        except (jsonio.JSONError, UnicodeDecodeError):
            raise Unreachable(f"{what} from Auth0 is not JSON (HTTP {resp.status_code})") from None

    def _checked(self, resp: httpx.Response, what: str) -> Any:
        if resp.status_code >= 400:
            msg, code = _error_text(resp)
            raise ApiError(resp.status_code, msg, code)
        return self._json(resp, what)

    # ---- the calls push and pull make --------------------------------------------------

    def connections(self, name: str) -> list[dict[str, Any]]:
        """Connections named `name` (GET /api/v2/connections?name=NAME)."""
        resp = self._send("GET", "/api/v2/connections", idempotent=True, params={"name": name, "fields": "id,name,strategy"})
        body = self._checked(resp, "the connections list")
        if isinstance(body, dict):  # include_totals shape
            body = body.get("connections", [])
        return [c for c in body if isinstance(c, dict)] if isinstance(body, list) else []

    def import_users(self, users: bytes, filename: str, *, connection_id: str, upsert: bool, external_id: str, completion_email: bool) -> dict[str, Any]:
        """POST /api/v2/jobs/users-imports (multipart). Raises Busy (429), InDoubt (maybe sent), ApiError (refused)."""
        data = {
            "connection_id": connection_id,
            "upsert": "true" if upsert else "false",
            "external_id": external_id,
            "send_completion_email": "true" if completion_email else "false",
        }
        files = {"users": (filename, users, "application/json")}
        resp = self._send("POST", "/api/v2/jobs/users-imports", idempotent=False, data=data, files=files)
        job = self._checked(resp, "the import job")
        if not isinstance(job, dict) or not isinstance(job.get("id"), str):
            raise InDoubt("Auth0's answer to the import job holds no job id")
        return job

    def job(self, job_id: str) -> dict[str, Any]:
        """GET /api/v2/jobs/{id}."""
        body = self._checked(self._send("GET", f"/api/v2/jobs/{job_id}", idempotent=True), "the job status")
        if not isinstance(body, dict):
            raise ApiError(200, "the job status is not an object")
        return body

    def job_errors(self, job_id: str) -> bytes | None:
        """GET /api/v2/jobs/{id}/errors: the answer's bytes, or None for 204 (nothing to report)."""
        resp = self._send("GET", f"/api/v2/jobs/{job_id}/errors", idempotent=True)
        if resp.status_code == 204 or not resp.content:
            return None
        if resp.status_code >= 400:
            msg, code = _error_text(resp)
            raise ApiError(resp.status_code, msg, code)
        return resp.content

    def export_users(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /api/v2/jobs/users-exports (a second export job changes nothing, so it may be retried)."""
        resp = self._send("POST", "/api/v2/jobs/users-exports", idempotent=True, json=body)
        job = self._checked(resp, "the export job")
        if not isinstance(job, dict) or not isinstance(job.get("id"), str):
            raise ApiError(resp.status_code, "the export job answer holds no id")
        return job

    def download(self, url: str, target: Path) -> None:
        """Save `url` (the export's location, on another host) to `target`, without the Management API token.

        A fresh client with no default headers fetches it, so the bearer token cannot leak there;
        each retry starts the file again."""
        if not url.lower().startswith("https://"):
            raise ApiError(0, f"the export's location is not an HTTPS address ({url.split('?')[0]})")
        try:
            for attempt in _attempts():
                with attempt, httpx.Client(verify=self.ctx, timeout=TIMEOUT, follow_redirects=True,
                                           headers={"User-Agent": f"bulkedit/{__version__}"}) as plain:
                    try:
                        with plain.stream("GET", url) as resp, open(target, "wb") as out:
                            if resp.status_code >= 500 or resp.status_code == 429:
                                raise _Retry(rate_wait(resp.headers), f"HTTP {resp.status_code}")
                            if resp.status_code >= 400:
                                raise ApiError(resp.status_code, f"the export file could not be downloaded ({resp.reason_phrase})")
                            for block in resp.iter_bytes(1 << 20):
                                out.write(block)
                            return
                    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                        cert = _cert_problem(exc)
                        if cert is not None:
                            raise UsageError(f"the certificate of the export's host is not trusted ({cert.verify_message})",
                                             hint="point SSL_CERT_FILE or SSL_CERT_DIR at the CA that signs it") from None
                        raise _Retry(None, "cannot connect to the export's host") from None
                    except httpx.TransportError as exc:
                        raise _Retry(None, f"download broke ({type(exc).__name__})") from None
        except _Retry as exc:
            raise Unreachable(f"the export file: {exc} after {ATTEMPTS} attempts", hint="run pull again") from None
