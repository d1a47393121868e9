"""A deterministic generator of realistic Auth0 exports (for fixtures and benchmarks).

Users look like what Auth0's export job writes: `auth0|` ids, identities with the
connection, heterogeneous nested metadata (types that differ between users, lists,
deep nesting, integers beyond 64 bits now and then), Unicode names and newlines.
About 1 KB a user.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bulkedit.io import jsonio

GIVEN = ["Zoë", "Ana", "Jürgen", "Mei", "Olu", "Søren", "Priya", "José", "Chloé", "Ivan", "Aiko", "Liam", "Fatima",
         "Noah", "Élodie", "Kwame", "Sven", "Ingrid", "Ahmed", "Lucía", "渡辺", "Олег", "Tomás", "Björn"]
FAMILY = ["Ødegård", "Smith", "Müller", "O'Neil", "García", "Nakamura", "Okafor", "Dubois", "Kowalski", "Rossi",
          "Nguyen", "Johansson", "\"Doc\" Brown", "Ivanova", "Haddad", "Fernández", "Chen", "Kim", "Novák", "Silva"]
DOMAINS = ["example.com", "example.org", "mail.example.net", "corp.example.io"]
PLANS = ["free", "trial", "pro", "enterprise"]
LANGS = ["de", "en", "fr", "es", "ja", "pt-BR"]
CONNECTIONS = ["Username-Password-Authentication", "legacy-db"]


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _date(rng: random.Random, year0: int = 2019) -> str:
    return (
        f"{rng.randint(year0, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}Z"
    )


def make_user(i: int, rng: random.Random, *, social_every: int = 0) -> dict[str, Any]:
    given = GIVEN[i % len(GIVEN)]
    family = FAMILY[(i * 7) % len(FAMILY)]
    local = f"user{i}.{_hex(rng, 4)}"
    email = f"{local}@{DOMAINS[i % len(DOMAINS)]}"
    social = bool(social_every) and i % social_every == social_every - 1
    uid = _hex(rng, 24)
    if social:
        provider, connection = "google-oauth2", "google-oauth2"
        uid = str(rng.randint(10**20, 10**21))
        user_id = f"google-oauth2|{uid}"
    else:
        provider, connection = "auth0", CONNECTIONS[i % len(CONNECTIONS)]
        user_id = f"auth0|{uid}"
    created = _date(rng, 2019)
    user: dict[str, Any] = {
        "user_id": user_id,
        "email": email,
        "email_verified": rng.random() < 0.8,
        "name": f"{given} {family}",
        "given_name": given,
        "family_name": family,
        "nickname": local.split(".")[0],
        "picture": f"https://s.gravatar.com/avatar/{_hex(rng, 32)}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F{given[:2].lower()}.png",
        "created_at": created,
        "updated_at": _date(rng, 2023),
        "last_login": _date(rng, 2024),
        "last_ip": f"203.0.113.{rng.randint(1, 254)}",
        "logins_count": rng.randint(0, 500),
        "identities": [
            {"connection": connection, "provider": provider, "user_id": uid, "isSocial": social},
        ],
    }
    if i % 5 == 0:
        user["username"] = f"u{i}_{_hex(rng, 3)}"
    if i % 11 == 3:
        user["blocked"] = False
    meta: dict[str, Any] = {
        "signup": {"source": rng.choice(["web", "ios", "android", "partner-portal"]), "campaign": f"spring-{rng.randint(2019, 2025)}-{_hex(rng, 6)}"},
        "company": rng.choice(["Acme Corporation", "Globex GmbH", "Initech Ltd.", "Umbrella S.A.", "Søstrene Grene"]),
        "prefs": {"lang": rng.choice(LANGS), "theme": rng.choice(["dark", "light"]), "newsletter": rng.random() < 0.5},
        "address": {"zip": f"{rng.randint(0, 99999):05d}", "city": rng.choice(["Boston", "Zürich", "東京", "São Paulo"])},
    }
    if i % 3 == 0:
        meta["tags"] = rng.sample(["beta", "vip", "early", "support", "partner"], k=rng.randint(0, 3))
    if i % 7 == 0:
        meta["note"] = "Called support.\nAsked about \"billing\" — résumé attached."
    if i % 13 == 0:
        meta["legacy_id"] = None
    if i % 4 == 1:
        meta["prefs"]["notifications"] = {"email": {"weekly": True, "monthly": False}, "sms": None}
    app: dict[str, Any] = {
        "plan": PLANS[i % len(PLANS)],
        "roles": ["viewer"] + (["editor"] if i % 2 else []),
        "tenant_ref": f"org_{_hex(rng, 16)}",
    }
    if i % 6 == 0:
        app["plan"] = i % 12  # plan as a number for some users: metadata differs between users
    if i % 9 == 0:
        app["crm_id"] = f"{rng.randint(0, 9999999):07d}"
    if i % 499 == 0 or (i < 100 and i % 17 == 0):
        app["ledger_ref"] = 2**70 + i  # beyond 64 bits: rare in real tenants, but metadata may hold it
    if i % 8 == 0:
        app["seats"] = rng.randint(1, 50)
        app["score"] = round(rng.random() * 100, 3)
    user["user_metadata"] = meta
    user["app_metadata"] = app
    if i % 19 == 0:
        del user["user_metadata"]
    return user


def generate(n: int, *, seed: int = 7, social_every: int = 0) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(n):
        yield make_user(i, rng, social_every=social_every)


def write_ndjson(path: Path, n: int, *, seed: int = 7, social_every: int = 0) -> None:
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as out:
        batch: list[bytes] = []
        for user in generate(n, seed=seed, social_every=social_every):
            batch.append(jsonio.dumps(user))
            if len(batch) >= 10000:
                out.write(b"\n".join(batch) + b"\n")
                batch = []
        if batch:
            out.write(b"\n".join(batch) + b"\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("users", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--social-every", type=int, default=0)
    args = ap.parse_args(argv)
    write_ndjson(args.out, args.users, seed=args.seed, social_every=args.social_every)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()[:12] if args.users <= 100000 else "-"
    print(f"wrote {args.users} users to {args.out} (sha256 {digest})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
