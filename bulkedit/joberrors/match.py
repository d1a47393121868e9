"""Finding a failed user (as Auth0 echoed it, secrets redacted) among chunk and source users.

Auth0 answers with the user object it received, with secrets replaced by
`*****`. A redacted value matches any value; everything else must be equal for
an exact match. Whether a secret changed since is told only by the chunk Auth0
received (`redacted_values`). When no candidate matches exactly (the edited export changed
since the chunks were made), email (case-insensitive) together with user_id
decides; a differing user_id rules a candidate out, so the same email in two
connections (two different users) is never confused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bulkedit.io import jsonio
from bulkedit.joberrors.answer import REDACTED
from bulkedit.paths import MISSING

EXACT = "exact"
EMAIL_AND_ID = "email+user_id"
EMAIL = "email"
USER_ID = "user_id"
NONE = "none"

_SCORES = {EXACT: 4, EMAIL_AND_ID: 3, EMAIL: 2, USER_ID: 1}

T = TypeVar("T")


def redacted_equal(answer: Any, candidate: Any) -> bool:
    """True when `candidate` equals `answer` except where `answer` shows a redacted secret."""
    if answer == REDACTED:
        return True
    ta = type(answer)
    if ta is dict:
        if type(candidate) is not dict or answer.keys() != candidate.keys():
            return False
        return all(redacted_equal(v, candidate[k]) for k, v in answer.items())
    if ta is list:
        if type(candidate) is not list or len(answer) != len(candidate):
            return False
        return all(redacted_equal(a, c) for a, c in zip(answer, candidate, strict=True))
    if type(candidate) is ta:
        return bool(answer == candidate)
    # an integer beyond 64 bits read by a fast parser as the nearest float
    return ta is int and type(candidate) is float and abs(answer) >= 1 << 63 and float(answer) == candidate


def redacted_values(answer: Any, candidate: Any) -> list[Any]:
    """What `candidate` holds wherever `answer` shows a redacted secret, in order (MISSING where it holds nothing)."""
    out: list[Any] = []
    _collect_redacted(answer, candidate, out)
    return out


def _collect_redacted(answer: Any, candidate: Any, out: list[Any]) -> None:
    if answer == REDACTED:
        out.append(candidate)
    elif type(answer) is dict:
        for k, v in answer.items():
            _collect_redacted(v, candidate.get(k, MISSING) if type(candidate) is dict else MISSING, out)
    elif type(answer) is list:
        for i, v in enumerate(answer):
            _collect_redacted(v, candidate[i] if type(candidate) is list and i < len(candidate) else MISSING, out)


def email_key(user: dict[str, Any]) -> str | None:
    email = user.get("email")
    return email.strip().lower() if type(email) is str and email != REDACTED else None


def id_key(user: dict[str, Any]) -> str | None:
    """user_id without a strategy prefix (`auth0|abc` -> `abc`), as the import file carries it."""
    uid = user.get("user_id")
    if type(uid) is not str or uid == REDACTED:
        return None
    return uid[len("auth0|") :] if uid.startswith("auth0|") else uid


def how_matched(answer: dict[str, Any], candidate: dict[str, Any]) -> str:
    """How well an import-shaped `candidate` matches the answer's user (NONE: not the same user)."""
    a_id, c_id = id_key(answer), id_key(candidate)
    if a_id is not None and c_id is not None and a_id != c_id:
        return NONE
    if redacted_equal(answer, candidate):
        return EXACT
    a_mail, c_mail = email_key(answer), email_key(candidate)
    same_mail = a_mail is not None and a_mail == c_mail
    same_id = a_id is not None and a_id == c_id
    if same_mail and same_id:
        return EMAIL_AND_ID
    if same_mail:
        return EMAIL
    if same_id and a_mail is None:
        return USER_ID
    return NONE


@dataclass(frozen=True)
class Best(Generic[T]):
    item: T | None
    how: str
    ties: int  # other candidates that matched equally well


def best_match(answer: dict[str, Any], candidates: Sequence[tuple[dict[str, Any], T]], prefer: Any = None) -> Best[T]:
    """The candidate (import-shaped user, payload) matching `answer` best.

    Among equal matches a payload equal to `prefer` (for example the chunk's connection)
    wins; the count of remaining equal matches is reported so ambiguity can be shown.
    """
    best: list[tuple[int, T]] = []
    top = 0
    for user, payload in candidates:
        score = _SCORES.get(how_matched(answer, user), 0)
        if score == 0 or score < top:
            continue
        if score > top:
            top, best = score, []
        best.append((score, payload))
    if not best:
        return Best(None, NONE, 0)
    how = next(k for k, v in _SCORES.items() if v == top)
    if prefer is not None and len(best) > 1:
        preferred = [b for b in best if _prefers(b[1], prefer)]
        if preferred:
            return Best(preferred[0][1], how, len(preferred) - 1)
    return Best(best[0][1], how, len(best) - 1)


def _prefers(payload: Any, prefer: Any) -> bool:
    return getattr(payload, "connection", None) == prefer


def unchanged_since(answer: dict[str, Any], candidate: dict[str, Any]) -> bool:
    """Whether `candidate` is still what Auth0 received (secrets redacted, email case as Auth0 stores it)."""
    if redacted_equal(answer, candidate):
        return True
    a_mail, c_mail = answer.get("email"), candidate.get("email")
    if type(a_mail) is str and type(c_mail) is str and a_mail != c_mail and a_mail.lower() == c_mail.lower():
        return redacted_equal({**answer, "email": c_mail}, candidate)
    return False


def user_digest(user: dict[str, Any]) -> str:
    """A fingerprint of a user's exact content, key order aside."""
    return hashlib.sha256(jsonio.canonical(user)).hexdigest()
