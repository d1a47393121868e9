"""Start-up (issue 15): what a person waits for before a command does anything."""

from __future__ import annotations

from bench.harness import BULKEDIT, DATA, Step

ONE_USER = (
    b'{"user_id":"auth0|1","email":"ana@example.com","email_verified":true,'
    b'"identities":[{"connection":"Username-Password-Authentication","provider":"auth0","user_id":"1","isSocial":false}]}\n'
)


def _write_one_user() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / "one-user.ndjson").write_bytes(ONE_USER)


def steps(users: int) -> list[Step]:
    one = DATA / "one-user.ndjson"
    return [
        Step("start-up: bulkedit --help (median of 7)", BULKEDIT + ["--help"], max_seconds=0.3, repeat=7),
        Step(
            "start-up: inspect a one-user file (median of 7)",
            BULKEDIT + ["inspect", str(one)],
            max_seconds=0.5,
            repeat=7,
            setup=_write_one_user,
        ),
    ]
