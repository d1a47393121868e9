"""How `diff` matches users: the key of a user (`user_id`, prefix-aware, or `email`, per connection
when the backup has it in several), and the errors for a user that appears twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bulkedit import fields
from bulkedit.errors import InputError, UsageError
from bulkedit.io import jsonio
from bulkedit.io.read import Source


class Keys:
    """Key extraction and the prefix-aware / connection-aware lookup."""

    def __init__(self, key: str) -> None:
        if key not in ("user_id", "email"):
            raise UsageError(f"--key {key!r} is not supported", hint="use --key user_id or --key email")
        self.key = key
        self.ambiguous: set[str] = set()  # emails present in several connections of the backup

    def of(self, user: dict[str, Any], where: Callable[[], str]) -> str:
        value = user.get(self.key)
        if type(value) is str and value:
            return value.lower() if self.key == "email" else value
        other = "email" if self.key == "user_id" else "user_id"
        raise InputError(
            f"this user has no {self.key}, so it cannot be matched",
            where=where(),
            hint=f"give every user a {self.key}, or match by --key {other}",
        )

    def lookup(self, index: dict[str, Any], k: str, conn: str | None, where: Callable[[], str]) -> str | None:
        if self.key == "email":
            if k in self.ambiguous:
                if conn is None:
                    raise InputError(
                        f"{k} is in several connections of the backup and this user names none",
                        where=where(),
                        hint="match by --key user_id, or keep identities[0].connection in the candidate",
                    )
                k = f"{k}\x00{conn}"
            return k if k in index else None
        return user_id_lookup(index, k)


def user_id_lookup(index: dict[str, Any], k: str) -> str | None:
    """The key of `index` that user_id `k` stands for: itself, or with or without the strategy prefix."""
    if k in index:
        return k
    if "|" in k:
        bare = k.split("|", 1)[1]
        return bare if bare in index else None
    prefixed = "auth0|" + k  # import files carry database users without the strategy prefix
    return prefixed if prefixed in index else None


def _twice_in_backup(key: str, k: str, where: str, first: str, hint: str = "a backup must hold each user once; check how it was put together") -> InputError:
    return InputError(f"{key} {k!r} appears twice in the backup (first at {first})", where=where, hint=hint)


def twice_in_candidate(key: str, k: str, where: str, why: str = "") -> InputError:
    return InputError(f"{key} {k!r} appears twice in the candidate{why}", where=where, hint="a user must appear once")


def duplicate_in_backup(backup: Source, keys: Keys, line: bytes, lineno: int, first: int) -> InputError:
    rec = backup.record_of_line(line, lineno)
    k = keys.of(rec.user, where_of(backup, lineno)) if rec is not None else "?"
    return _twice_in_backup(keys.key, k, backup.where(lineno), backup.where(first))


def duplicate_in_candidate(cand_src: Source, keys: Keys, line: bytes, lineno: int) -> InputError:
    rec = cand_src.record_of_line(line, lineno)
    k = keys.of(rec.user, where_of(cand_src, lineno)) if rec is not None else "?"
    return twice_in_candidate(keys.key, k, cand_src.where(lineno))


def where_of(src: Source, pos: int) -> Callable[[], str]:
    return lambda: src.where(pos)


def backup_duplicate(index: dict[str, list[Any]], keys: Keys, k: str, user: dict[str, Any], enc: bytes, pos: int, backup: Source) -> str:
    """A key seen before in the backup: an email in another connection is re-keyed by connection; else an error."""
    if keys.key == "email":
        conn = fields.user_connection(user)
        if k not in keys.ambiguous:
            prev_enc, prev_pos = index.pop(k)
            prev_conn = fields.user_connection(jsonio.loads(prev_enc))
            if prev_conn is not None and conn is not None and prev_conn != conn:
                keys.ambiguous.add(k)
                index[f"{k}\x00{prev_conn}"] = [prev_enc, prev_pos]
                return f"{k}\x00{conn}"
            index[k] = [prev_enc, prev_pos]
            first = prev_pos
        else:
            ck = f"{k}\x00{conn}"
            if conn is not None and ck not in index:
                return ck
            first = index[ck][1] if ck in index else pos
        raise _twice_in_backup("email", k, backup.where(pos), backup.where(first), hint="match by --key user_id")
    raise _twice_in_backup("user_id", k, backup.where(pos), backup.where(index[k][1]))
