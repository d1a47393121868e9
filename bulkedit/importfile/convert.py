"""Turn one exported user into the user object Auth0's import accepts.

`to_import_user(user)` drops export-only fields (`created_at`, `identities`, ...),
maps renamed Dashboard/extension keys that a reader left alone, strips the
`auth0|` strategy prefix from `user_id` (the import adds it again), and says
whether the user can be imported into a database connection at all (a
`google-oauth2|...` or `samlp|...` user cannot). It never guesses at values:
unknown keys stay where they are, so lint can name them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bulkedit import fields
from bulkedit.io import detect as fmt
from bulkedit.io import jsonio

if TYPE_CHECKING:
    from bulkedit.io.read import Source

#: The strategy of database connections: the only users a bulk import can create.
DATABASE_STRATEGY = "auth0"


@dataclass(frozen=True)
class Conversion:
    """What `to_import_user` made of one user.

    `user` is the import-ready dict (the very same object when nothing had to change);
    `dropped` the export-only fields removed; `renamed` pairs (original key, field) mapped;
    `stripped_prefix` whether `auth0|` was removed from user_id; `connection` the user's
    connection when the user names one; `importable` False (with `reason`) for users of
    strategies a database import cannot take.
    """

    user: dict[str, Any]
    dropped: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()
    stripped_prefix: bool = False
    connection: str | None = None
    importable: bool = True
    reason: str | None = None
    strategy: str | None = None

    @property
    def changed(self) -> bool:
        """True when the import user differs from the input user."""
        return bool(self.dropped or self.renamed or self.stripped_prefix)


_IMPORT = fields.IMPORT_FIELDS
_EXPORT_ONLY = fields.EXPORT_ONLY_FIELDS
_new = object.__new__
_SHAPES: dict[tuple[str, ...], Any] = {}
_OTHER: tuple[frozenset[str], tuple[str, ...]] = (frozenset(), ())


def _conversion(user, dropped, renamed, strip, connection, strategy):  # type: ignore[no-untyped-def]
    # Building the frozen dataclass through its __dict__ costs a third of calling __init__
    # (which sets each field with object.__setattr__); this runs once per user.
    c = _new(Conversion)
    importable = strategy is None or strategy == DATABASE_STRATEGY
    c.__dict__.update(
        user=user,
        dropped=dropped,
        renamed=renamed,
        stripped_prefix=strip,
        connection=connection,
        importable=importable,
        reason=None
        if importable
        else f"user of strategy {strategy!r} cannot be imported into a database connection "
        "(only database users can be bulk-imported)",
        strategy=strategy,
    )
    return c


def identity(user: dict[str, Any]) -> tuple[str | None, str | None, bool]:
    """(connection, strategy, has the `auth0|` prefix) of a user, as emit sees them."""
    connection = strategy = None
    ids = user.get("identities")
    if ids.__class__ is list and ids and ids[0].__class__ is dict:
        first = ids[0]
        c = first.get("connection")
        if c.__class__ is str:
            connection = c
        p = first.get("provider")
        if p.__class__ is str:
            strategy = p
    if connection is None:
        c = user.get("connection")
        if c.__class__ is str:
            connection = c
    uid: Any = user.get("user_id")  # a str whenever `strip` is true
    strip = False
    if uid.__class__ is str:
        strip = uid.startswith("auth0|")
        if not strip and "|" in uid:  # a foreign prefix wins over what identities says
            strategy = uid.split("|", 1)[0]
    return connection, strategy, strip


def to_import_user(user: dict[str, Any], *, in_place: bool = False) -> Conversion:
    """Convert an exported (or already import-ready) user to the import schema.

    A user whose keys are all import fields and whose user_id has no `auth0|` prefix
    passes through unchanged (`Conversion.user is user`). `in_place=True` lets the usual
    export user be converted by removing its export-only keys from `user` itself
    (quicker; for a caller that owns the dict and needs it no more).
    """
    connection, strategy, strip = identity(user)
    uid: Any = user.get("user_id")  # a str whenever `strip` is true
    if _IMPORT.issuperset(user):
        if not strip:
            return _conversion(user, (), (), False, connection, strategy)
        out = dict(user)
        out["user_id"] = uid[6:]
        return _conversion(out, (), (), True, connection, strategy)
    shape = tuple(user)  # an export has a few key lists: work each out once
    known = _SHAPES.get(shape)
    if known is None:
        extra = user.keys() - _IMPORT
        known = (extra, tuple(k for k in user if k in extra)) if _EXPORT_ONLY.issuperset(extra) else None
        if len(_SHAPES) < 4096:
            _SHAPES[shape] = known or _OTHER
    if known is not None and known is not _OTHER:  # the usual export: drop, nothing to rename
        extra, dropped = known
        if in_place:
            for k in dropped:
                del user[k]
            out = user
        else:
            out = {k: v for k, v in user.items() if k not in extra}
        if strip:
            out["user_id"] = uid[6:]
        return _conversion(out, dropped, (), strip, connection, strategy)
    out = {}
    dropped_l: list[str] = []
    renamed: list[tuple[str, str]] = []
    for key, value in user.items():
        if key in _IMPORT:
            out[key] = value
            continue
        if key in _EXPORT_ONLY:
            dropped_l.append(key)
            continue
        target = fields.canonical_column(key)
        if target is not None and target in _IMPORT:
            renamed.append((key, target))
            if target not in user:
                out[target] = value
            continue
        if target is not None and _top(target) in _EXPORT_ONLY:
            dropped_l.append(key)
            continue
        out[key] = value  # unknown: kept so that lint can name it
    if strip:
        out["user_id"] = uid[6:]
    return _conversion(out, tuple(dropped_l), tuple(renamed), strip, connection, strategy)


def _top(path: str) -> str:
    """The top-level field of a dotted/indexed path (`identities[0].connection` -> `identities`)."""
    return path.split("[", 1)[0].split(".", 1)[0]


METADATA = fields.METADATA_FIELDS


def completes_metadata(source: Source) -> bool:
    """Whether a file is a sheet without bulkedit's type information (Auth0's CSV export, a
    hand-made CSV/XLSX): it holds only the fields and metadata leaves it has columns for,
    and is completed from the tenant's users (`complete_metadata`)."""
    return source.format in (fmt.CSV, fmt.XLSX) and not source.typed


def complete_metadata(user: dict[str, Any], tenant_user: dict[str, Any]) -> dict[str, Any] | None:
    """`user` as an upsert of a sheet's leaves should leave the tenant's user, or None when that
    changes nothing: each metadata object it has laid over `tenant_user`'s (its leaves win,
    the tenant's other keys stay), and `email_verified: true` kept where the tenant has it
    and the sheet says nothing (an import without it would reset it to false)."""
    from bulkedit.edit.values import deep_merge

    out = None
    if "email_verified" not in user and tenant_user.get("email_verified") is True:
        out = dict(user)
        out["email_verified"] = True
    for f in METADATA:
        mine, theirs = user.get(f), tenant_user.get(f)
        if type(mine) is dict and type(theirs) is dict:
            merged = deep_merge(theirs, mine)
            if merged != mine:
                out = out or dict(user)
                out[f] = merged
    return out


def in_import_file(source: Source, user: dict[str, Any]) -> bool:
    """A user of an import file, judged as it is (not converted as an export): one of a JSON
    array, without export-only (or renamed) keys. lint and diff judge users by this."""
    return source.format == fmt.JSON and not source.renamed and fields.EXPORT_ONLY_FIELDS.isdisjoint(user)


def upsert_changes(user: dict[str, Any], tenant_user: dict[str, Any] | None) -> bool:
    """Whether importing `user` (import form) with upsert would change `tenant_user`, the
    tenant's user it updates (import form; None: not in the tenant, so it is created).

    As the upsert applies it, which is how `diff` compares an import file's user: only the
    top-level fields the file carries are set (a metadata object replaced whole, so an
    erased key is a change), and a user verified in the tenant whose import does not say
    `email_verified: true` is reset to false.
    """
    if tenant_user is None:
        return True
    if tenant_user.get("email_verified") is True and "email_verified" not in user:
        return True
    if not tenant_user.keys() >= user.keys():
        return True
    carried = {k: tenant_user[k] for k in user}
    return jsonio.canonical(carried) != jsonio.canonical(user)
