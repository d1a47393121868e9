"""Where and as whom bulkedit talks to Auth0: the tenant's host, the credentials, the TLS trust.

Secrets come from the environment only (never flags, files or reports) and are kept in
objects whose repr hides them.
"""

from __future__ import annotations

import os
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bulkedit.errors import UsageError

#: a DNS name or an IPv4 address, optionally with a port
_HOST = re.compile(r"^(?P<host>[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*)(?::(?P<port>[0-9]{1,5}))?$")

DOMAIN_HINT = "give --domain or AUTH0_DOMAIN as the tenant's host, e.g. my-tenant.eu.auth0.com (or host:port)"
CREDENTIALS_HINT = (
    "set AUTH0_TOKEN to a Management API token, or AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET of a "
    "machine-to-machine application authorized for the Management API"
)


def parse_domain(value: str | None) -> str:
    """`host` or `host:port` from --domain/AUTH0_DOMAIN; `https://host/` is accepted, `http://` refused."""
    if value is None or not value.strip():
        raise UsageError("no Auth0 tenant given", hint=DOMAIN_HINT)
    text = value.strip()
    low = text.lower()
    if low.startswith("http://"):
        raise UsageError(f"--domain {value!r}: bulkedit talks to Auth0 over HTTPS only", hint=DOMAIN_HINT)
    if low.startswith("https://"):
        text = text[len("https://"):]
    text = text.rstrip("/")
    m = _HOST.match(text)
    if m is None or (m.group("port") is not None and not 0 < int(m.group("port")) < 65536):
        raise UsageError(f"--domain {value!r} is not a host name or host:port", hint=DOMAIN_HINT)
    return text.lower()


@dataclass(frozen=True)
class Credentials:
    """A fixed token, or a client id and secret for the client-credentials grant. repr hides both secrets."""

    token: str | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    audience: str | None = None

    @property
    def refreshable(self) -> bool:
        return self.client_secret is not None

    def secrets(self) -> list[str]:
        """The values that must never appear in any output."""
        return [s for s in (self.token, self.client_secret) if s]


def credentials_from_env(env: Mapping[str, str] | None = None) -> Credentials:
    """AUTH0_TOKEN, or AUTH0_CLIENT_ID + AUTH0_CLIENT_SECRET (AUTH0_AUDIENCE optional, for a custom domain)."""
    env = os.environ if env is None else env
    token = env.get("AUTH0_TOKEN", "").strip() or None
    cid = env.get("AUTH0_CLIENT_ID", "").strip() or None
    secret = env.get("AUTH0_CLIENT_SECRET", "").strip() or None
    audience = env.get("AUTH0_AUDIENCE", "").strip() or None
    if cid and secret:
        return Credentials(client_id=cid, client_secret=secret, audience=audience)
    if token:
        return Credentials(token=token)
    if cid or secret:
        missing = "AUTH0_CLIENT_SECRET" if cid else "AUTH0_CLIENT_ID"
        raise UsageError(f"{missing} is not set", hint=CREDENTIALS_HINT)
    raise UsageError("no Auth0 credentials in the environment", hint=CREDENTIALS_HINT)


def ssl_context(env: Mapping[str, str] | None = None) -> ssl.SSLContext:
    """Certificates checked against the system's trust store plus SSL_CERT_FILE / SSL_CERT_DIR when set.

    OpenSSL lets those variables replace its default store; bulkedit loads both, so a
    company proxy's CA can be added without losing the public roots. Verification is
    never switched off.
    """
    env = os.environ if env is None else env
    ctx = ssl.create_default_context()  # CERT_REQUIRED, host names checked
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    defaults = ssl.get_default_verify_paths()
    for cafile, capath in ((defaults.openssl_cafile, None), (None, defaults.openssl_capath)):
        place = cafile or capath
        if place and Path(place).exists():
            ctx.load_verify_locations(cafile=cafile, capath=capath)
    for name, is_dir in (("SSL_CERT_FILE", False), ("SSL_CERT_DIR", True)):
        value = env.get(name)
        if not value:
            continue
        path = Path(value)
        if not (path.is_dir() if is_dir else path.is_file()):
            raise UsageError(f"{name}={value}: no such {'folder' if is_dir else 'file'}", hint=f"point {name} at your CA certificates or unset it")
        try:
            ctx.load_verify_locations(capath=str(path)) if is_dir else ctx.load_verify_locations(cafile=str(path))
        except ssl.SSLError as exc:
            raise UsageError(f"{name}={value}: not a PEM certificate file ({exc.reason})", hint=f"point {name} at PEM certificates") from None
    return ctx
