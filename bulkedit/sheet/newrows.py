"""Rows of a sheet that would add users (`--allow-new`): what makes one unable to become a valid new user."""

from __future__ import annotations

from typing import Any

from bulkedit.io.read import Source
from bulkedit.sheet.read import SheetRow, key_value

#: Two new rows add users with one email in one connection.
EMAIL_TWICE = "sheet-new-user-email-twice"


def _connection(user: dict[str, Any]) -> Any:
    ids = user.get("identities")
    return ids[0].get("connection") if type(ids) is list and ids and type(ids[0]) is dict else None


def new_user_problems(
    made: list[tuple[SheetRow, dict[str, Any]]], backup: Source, user_ids_by_email: dict[str, str]
) -> list[tuple[int, str, str]]:
    """(row, code, message) of rows that cannot become a valid new user: no email (the import
    requires it), an email a backup user of the same connection already has (the import would
    update that user, or fail with DUPLICATED_USER), an email an earlier new row of the same
    connection has (likewise), `blocked` (an import cannot block)."""
    out: list[tuple[int, str, str]] = []
    taken: dict[int, str] = {}
    new_rows_by_email: dict[str, list[tuple[int, Any]]] = {}
    for r, user in made:
        email = key_value(user.get("email"), "email")
        if email is None:
            has = "neither user_id nor email" if key_value(user.get("user_id"), "user_id") is None else "no email"
            out.append((r.row, "sheet-new-user-no-email", f"the row has {has}; a new user needs an email"))
        elif email in user_ids_by_email:
            taken[r.row] = user_ids_by_email[email]
        if email is not None:
            mine = _connection(user)
            earlier = new_rows_by_email.setdefault(email, [])
            first = next((row for row, conn in earlier if mine is None or conn is None or conn == mine), None)
            if first is not None:
                out.append(
                    (r.row, EMAIL_TWICE, f"row {first} adds a user with the same email {user['email']!r};"
                     " the import would reject the second (DUPLICATED_USER): keep one of the two rows")
                )
            earlier.append((r.row, mine))
        if user.get("blocked") is True:
            out.append((r.row, "sheet-new-user-blocked", "blocked is true; an import cannot block a user"))
    if taken:  # rare: read the backup again for the connections of the users whose email is taken
        wanted = set(taken.values())
        conns = {u["user_id"]: _connection(u) for u in backup.users() if u.get("user_id") in wanted}
        for r, user in made:
            uid = taken.get(r.row)
            mine = _connection(user)
            if uid is not None and (mine is None or mine == conns.get(uid)):
                out.append(
                    (r.row, "sheet-new-user-email-taken", f"backup user {uid!r} already has the email {user['email']!r};"
                     " edit that user's row instead")
                )
    return sorted(out, key=lambda item: item[0])


def _ids(user: dict[str, Any]) -> set[str]:
    """The user_ids a user carries: its own, and its first identity's (`provider|user_id`)."""
    out = set()
    uid = user.get("user_id")
    if type(uid) is str and uid:
        out.add(uid)
    ids = user.get("identities")
    if type(ids) is list and ids and type(ids[0]) is dict:
        iid, provider = ids[0].get("user_id"), ids[0].get("provider")
        if type(iid) in (str, int) and str(iid):
            out.add(f"{provider if type(provider) is str else 'auth0'}|{iid}")
    return out


def copied_rows(made: list[tuple[SheetRow, dict[str, Any]]], backup: Source) -> list[tuple[int, str, str]]:
    """(row, code, message) of new rows that carry a backup user's user_id (in the user_id cell or the
    identity's): a row copied from that user's and given another key. As a new user it would be a
    second user with the same user_id (under --key email its user_id cell, even emptied, is no key)."""
    wanted: dict[str, list[int]] = {}
    for r, user in made:
        for ident in _ids(user):
            wanted.setdefault(ident, []).append(r.row)
    if not wanted:
        return []
    found: dict[int, tuple[int, str, str]] = {}
    for u in backup.users():  # rare: only new rows that carry a user_id get here
        for ident in _ids(u) & wanted.keys():
            for row in wanted[ident]:
                found.setdefault(row, (
                    row, "sheet-copied-row",
                    f"the row carries user_id {ident!r} of backup user {u.get('user_id')!r} ({u.get('email')!r}): it was"
                    " copied from that user's row, and would add a second user with the same user_id; for a new user"
                    " empty its user_id and identities cells, or edit that user's own row",
                ))
    return list(found.values())
