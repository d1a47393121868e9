"""push's state in the chunks folder: an append-only journal, one JSON line per step, fsynced.

A line is written (and flushed to disk) before each request that may change the tenant
and after each answer, so whatever moment the process dies at, the journal tells for
every chunk: never sent, sent with no answer (in doubt: the request may have reached
Auth0), accepted as job X, finished. A line torn by a crash is not valid JSON and is
dropped when the journal is read back (nothing after it can exist: it is the last). The
journal holds job ids and counts, never a token or a user.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bulkedit.errors import InputError, RefusedError
from bulkedit.io import jsonio
from bulkedit.io.atomic import PRIVATE_MODE

#: the folder inside the chunks folder that holds push's state and the job errors it fetched
STATE_DIR = "push"


def tenant_folder(chunks_dir: Path, domain: str) -> Path:
    """push/<tenant>/ : the state of pushing these chunks to one tenant."""
    return chunks_dir / STATE_DIR / re.sub(r"[^A-Za-z0-9.-]", "_", domain)


@dataclass
class ChunkState:
    """What the journal says about one chunk."""

    sends: int = 0
    outcome: str | None = None  # None: never sent or not sent; "sent": no answer yet; "accepted"; "rejected"; "skipped"
    job_id: str | None = None
    status: str | None = None  # final job status once done
    summary: dict[str, int] | None = None
    details: str | None = None
    errors_file: str | None = None
    errors_done: bool = False
    message: str | None = None

    @property
    def in_doubt(self) -> bool:
        return self.outcome == "sent"

    @property
    def running(self) -> bool:
        return self.outcome == "accepted" and self.status is None

    @property
    def finished(self) -> bool:
        return self.status is not None and (self.errors_done or not needs_errors(self))


def needs_errors(st: ChunkState) -> bool:
    return st.status == "completed" and bool(st.summary and st.summary.get("failed"))


@dataclass
class Journal:
    path: Path
    chunks: dict[str, ChunkState] = field(default_factory=dict)
    begun: dict[str, Any] | None = None
    _fh: Any = None
    _lock_fh: Any = None

    def state(self, chunk: str) -> ChunkState:
        return self.chunks.setdefault(chunk, ChunkState())

    def apply(self, rec: dict[str, Any]) -> None:
        op, chunk = rec.get("op"), rec.get("chunk")
        if op == "begin":
            self.begun = self.begun or rec
            return
        if not isinstance(chunk, str):
            return
        st = self.state(chunk)
        if op == "send":
            st.sends += 1
            st.outcome = "sent"
        elif op == "not_sent":
            st.outcome = None
        elif op == "accepted":
            st.outcome, st.job_id = "accepted", rec.get("job")
        elif op == "rejected":
            st.outcome, st.message = "rejected", rec.get("message")
        elif op == "skipped":
            st.outcome, st.message = "skipped", rec.get("message")
        elif op == "done":
            st.status, st.summary, st.details = rec.get("status"), rec.get("summary"), rec.get("details")
        elif op == "errors":
            st.errors_done, st.errors_file = True, rec.get("file")

    def append(self, rec: dict[str, Any]) -> None:
        """Write one step durably, then apply it."""
        self._fh.write(jsonio.dumps(rec) + b"\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self.apply(rec)

    def close(self) -> None:
        for fh in (self._fh, self._lock_fh):
            if fh is not None:
                fh.close()


def _private_open(path: Path, mode: str) -> Any:
    """`path` opened for appending, created (or kept) mode 0600: the journal names the tenant's jobs."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_MODE)
    os.fchmod(fd, PRIVATE_MODE)
    return os.fdopen(fd, mode)


@contextlib.contextmanager
def open_journal(folder: Path) -> Iterator[Journal]:
    """The journal of push/<tenant>/, read back and opened for appending; one push at a time per folder."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock_fh = _private_open(folder / "lock", "ab")  # held for the whole run
    try:
        fcntl.flock(lock_fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock_fh.close()
        raise RefusedError(f"another push is running on {folder.parent.parent}", hint="wait for it to end; two pushes of one folder would send chunks twice") from None
    path = folder / "journal.jsonl"
    journal = Journal(path, _lock_fh=lock_fh)
    keep = 0
    if path.exists():
        raw = path.read_bytes()
        pos = 0
        for line in raw.splitlines(keepends=True):
            if not line.endswith(b"\n"):
                break  # torn by a crash: never acted upon
            try:
                rec = jsonio.loads(line)
            except (jsonio.JSONError, UnicodeDecodeError):
                if pos + len(line) < len(raw):
                    lock_fh.close()
                    raise InputError("push's journal is damaged in its middle", where=f"{path}", hint="it is not safe to resume; look at it, or move the folder push/ away to start over") from None
                break
            if isinstance(rec, dict):
                journal.apply(rec)
            pos += len(line)
        keep = pos
        if keep != len(raw):
            with open(path, "r+b") as fh:
                fh.truncate(keep)
    journal._fh = _private_open(path, "ab")
    try:
        yield journal
    finally:
        journal.close()
