"""Pack encoded users into JSON arrays of at most `max_bytes` bytes each.

A chunk file is `[` + users joined by `,\n` + `]`: one user per line, so line N of a
chunk is its Nth user (lint and error reports point at it), and its size is known
exactly from the encoded users, so packing needs no re-encoding and no dicts. Packing is next-fit
in input order: a chunk is closed when the next user would not fit, so every
file is as full as the order allows, no user is split or repeated, and the same
input always gives the same chunks. Only the chunk being filled is held in memory
(per connection when `ChunkWriter` writes several folders).
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
from array import array
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulkedit import fields
from bulkedit.errors import RefusedError
from bulkedit.io.atomic import PRIVATE_MODE
from bulkedit.io.signals import crash_point

#: Auth0 answers 413 above 512,000 bytes per request and documents 500 KB per file; the
#: multipart envelope adds a few hundred bytes. 480,000 leaves 32,000 bytes of headroom
#: (`--max-bytes` may go up to IMPORT_FILE_LIMIT, 511,000).
DEFAULT_MAX_BYTES = 480_000
SEP = 2  # ",\n" between users


class UserTooLarge(RefusedError):
    """One encoded user does not fit in a chunk of the limit on its own."""

    @classmethod
    def of(cls, label: str, size: int, max_bytes: int, where: str | None = None) -> UserTooLarge:
        if size + SEP <= fields.IMPORT_FILE_LIMIT:
            hint = f"raise --max-bytes (up to {fields.IMPORT_FILE_LIMIT}: what one import request carries), or shrink the user's metadata"
        else:
            hint = f"shrink the user's metadata: no import file can hold it (at most {fields.IMPORT_FILE_LIMIT:,} bytes a file)"
        return cls(f"{label} takes {size:,} bytes encoded, more than a chunk of {max_bytes:,} bytes can hold", where=where, hint=hint)


def array_size(items: Iterable[bytes]) -> int:
    """The bytes of the JSON array holding `items` (`[a,\nb,\nc]`)."""
    n = 0
    total = 2
    for it in items:
        total += len(it)
        n += 1
    return total + SEP * max(n - 1, 0)


def encode_array(items: list[bytes]) -> bytes:
    """The JSON array of already-encoded items."""
    return b"[" + b",\n".join(items) + b"]"


def pack(items: Iterable[bytes], max_bytes: int) -> Iterator[list[bytes]]:
    """Group encoded users, in order, into lists whose JSON array is at most `max_bytes`.

    Raises UserTooLarge when one user alone does not fit (`2 + len(user) > max_bytes`).
    """
    packer = Packer(max_bytes)
    for i, item in enumerate(items):
        full = packer.add(item, index=i)
        if full is not None:
            yield full
    last = packer.flush()
    if last is not None:
        yield last


class Packer:
    """Incremental next-fit packer: `add()` returns the finished chunk when `item` opens a new one."""

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 3:
            raise ValueError("max_bytes must be at least 3 (the smallest array holding one user)")
        self.max_bytes = max_bytes
        self.items: list[bytes] = []
        self.size = 2  # "[]"

    def add(self, item: bytes, *, index: int | None = None, where: str | None = None) -> list[bytes] | None:
        need = len(item) + (SEP if self.items else 0)
        if 2 + len(item) > self.max_bytes:
            label = where or (f"user {index + 1}" if index is not None else "a user")
            raise UserTooLarge.of(label, len(item), self.max_bytes)
        done = None
        if self.size + need > self.max_bytes:
            done = self.items
            self.items = []
            self.size = 2
            need = len(item)
        self.items.append(item)
        self.size += need
        return done

    def flush(self) -> list[bytes] | None:
        if not self.items:
            return None
        done = self.items
        self.items = []
        self.size = 2
        return done


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def safe_name(connection: str) -> str:
    """A file-system-safe folder name for a connection (`my db/x` -> `my_db_x`)."""
    name = _UNSAFE.sub("_", connection).strip(".") or "_"
    return name[:100]


@dataclass(frozen=True)
class ChunkInfo:
    """One written chunk file, as listed in `manifest.json`."""

    file: str  # relative to the output folder, with `/`
    connection: str
    users: int
    bytes: int
    sha256: str
    private: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "connection": self.connection, "users": self.users, "bytes": self.bytes, "sha256": self.sha256}


@dataclass
class _Open:
    folder: str
    packer: Packer
    private: bool = False
    count: int = 0


@dataclass
class ChunkWriter:
    """Write per-connection chunk files under `root/<prefix><connection>/chunk-0001.json`.

    `add(connection, encoded, private=)` packs as it goes and writes a chunk as soon as
    it is full; `close()` writes the rest and returns the chunks in a stable order
    (by connection in first-seen order, then chunk number). Chunks holding a user marked
    `private` (password hashes, MFA secrets) get mode 0600.
    """

    root: Path
    max_bytes: int = DEFAULT_MAX_BYTES
    prefix: str = ""
    chunks: list[ChunkInfo] = field(default_factory=list)
    _open: dict[str, _Open] = field(default_factory=dict)
    _taken: set[str] = field(default_factory=set)

    def _opened(self, connection: str, private: bool) -> _Open:
        """The open state of `connection` (made on first use); `private` marks it as holding a secret."""
        st = self._open.get(connection)
        if st is None:
            base = safe_name(connection)
            name = base
            n = 2
            while name.lower() in self._taken or (not self.prefix and name.lower() in ("rollback", "manifest.json")):
                name = f"{base}-{n}"
                n += 1
            self._taken.add(name.lower())
            st = _Open(name, Packer(self.max_bytes))
            self._open[connection] = st
        if private:
            st.private = True
        return st

    def add(self, connection: str, item: bytes, *, private: bool = False, where: str | None = None) -> None:
        st = self._opened(connection, private)
        p = st.packer
        size = p.size + len(item) + SEP
        if p.items and size <= p.max_bytes:  # the usual case: it fits in the open chunk
            p.items.append(item)
            p.size = size
            return
        full = p.add(item, where=where)
        if full is not None:
            self._write(connection, st, full)

    def add_spooled(self, connection: str, path: str, sizes: array[int], private: list[int]) -> None:
        """Add, in order, the users of a spool file: encoded users each followed by `,\\n`.

        `sizes` are their encoded lengths and `private` the (ascending) indexes of those
        holding a secret. Only the lengths are packed; a full chunk is then written
        straight from the spool's bytes, without splitting it into users, so the chunks
        are exactly those `add()` one user at a time would write.
        """
        if not sizes:
            return
        st = self._opened(connection, bool(private))
        p = st.packer
        limit = p.max_bytes
        size = p.size
        first = 0  # index and byte offset of the first spool user in the chunk being filled
        first_at = at = 0
        fd = os.open(path, os.O_RDONLY)
        try:
            for i, n in enumerate(sizes):  # (the worker refused any user over limit - 2 before spooling it)
                need = n + SEP if (p.items or i > first) else n
                if size + need > limit:
                    self._write_spooled(connection, st, fd, first, first_at, i, at, private)
                    first, first_at, size, need = i, at, 2, n
                size += need
                at += n + SEP
            rest = os.pread(fd, at - first_at, first_at)
        finally:
            os.close(fd)
        pos = 0
        for n in sizes[first:]:  # the users of the chunk still open stay in the packer
            p.items.append(rest[pos : pos + n])
            pos += n + SEP
        p.size = size

    def add_spooled_all(self, spools: list[tuple[str, str, array[int], list[int]]]) -> None:
        """`add_spooled` for several connections' spools, two at a time.

        Writing and hashing a chunk let go of the GIL, so two connections' chunks are
        written at once. Their states are made here first, in order, so the chunks'
        order and folder names are those of adding them one after the other.
        """
        for connection, *_ in spools:
            self._opened(connection, False)
        with ThreadPoolExecutor(max_workers=2) as pool:
            for done in [pool.submit(self.add_spooled, *spool) for spool in spools]:
                done.result()

    def _write_spooled(self, connection: str, st: _Open, fd: int, first: int, first_at: int, end: int, end_at: int, private: list[int]) -> None:
        """Write the open chunk's users followed by spool users [first, end) (bytes [first_at, end_at))."""
        items = st.packer.flush() or []
        pieces: list[bytes] = [b",\n".join(items)] if items else []
        if end > first:
            pieces.append(os.pread(fd, end_at - first_at - SEP, first_at))
        k = bisect.bisect_left(private, first)
        secret = (k < len(private) and private[k] < end) or (st.private and any(holds_secret(it) for it in items))
        self._write_pieces(connection, st, pieces, len(items) + end - first, secret)

    def close(self) -> list[ChunkInfo]:
        for connection, st in self._open.items():
            last = st.packer.flush()
            if last is not None:
                self._write(connection, st, last)
        order = {c: i for i, c in enumerate(self._open)}
        self.chunks.sort(key=lambda c: (order[c.connection], c.file))
        return self.chunks

    def _write(self, connection: str, st: _Open, items: list[bytes]) -> None:
        # only once a secret was seen for this connection are the chunk's users searched for one
        private = st.private and any(holds_secret(it) for it in items)
        self._write_pieces(connection, st, [b",\n".join(items)], len(items), private)

    def _write_pieces(self, connection: str, st: _Open, pieces: list[bytes], users: int, private: bool) -> None:
        """Write the next chunk of `connection`: `[`, the pieces joined by `,\\n`, `]`."""
        st.count += 1
        rel = f"{self.prefix}{st.folder}/chunk-{st.count:04d}.json"
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        h = hashlib.sha256()
        size = 0
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE if private else 0o666)
        parts = [b"["]
        for i, piece in enumerate(pieces):
            if i:
                parts.append(b",\n")
            parts.append(piece)
        parts.append(b"]")
        with os.fdopen(fd, "wb") as f:
            for piece in parts:
                f.write(piece)
                h.update(piece)
                size += len(piece)
        if private:
            os.chmod(path, PRIVATE_MODE)
        self.chunks.append(ChunkInfo(rel, connection, users, size, h.hexdigest(), private))
        crash_point("chunk-written")


_SECRET_KEYS = tuple(f'"{name}"'.encode() for name in fields.SECRET_FIELD_ORDER)


def holds_secret(item: bytes) -> bool:
    """Whether an encoded user may carry a secret field (its key appears in the bytes)."""
    return any(k in item for k in _SECRET_KEYS)
