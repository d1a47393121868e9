"""Reading what Auth0's `GET /jobs/{id}/errors` answered, saved to a file.

Two shapes exist (auth0-formats.md §3): an array of `{"user", "errors": [{code,
message, path}]}` (the users that failed), or a job-status object when the job
has no per-user errors to give. Files may be gzip-compressed. Parsing is lossless
(bulkedit.io.jsonio): the users in the answer are compared field by field with
the chunks, so a big integer in metadata must not turn into a float.
"""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from bulkedit.errors import InputError
from bulkedit.io import jsonio
from bulkedit.io.detect import BOM, GZIP_MAGIC

ERRORS = "errors"
STATUS = "status"

#: How Auth0 shows a secret it will not give back (hash values, MFA secrets).
REDACTED = "*****"

_STATUS_KEYS = frozenset({"status", "type", "id", "summary", "connection_id", "connection", "created_at"})


@dataclass(frozen=True)
class ErrorItem:
    """One error Auth0 gave for a user."""

    code: str
    message: str
    path: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "path": self.path}


@dataclass(frozen=True)
class FailedEntry:
    """One element of an errors array: the user as Auth0 received it (secrets redacted) and its errors."""

    file: str
    line: int
    index: int  # 0-based position in the answer
    user: dict[str, Any]
    errors: tuple[ErrorItem, ...]

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class JobAnswer:
    """One saved answer: its shape, the failed users it lists, or the job status it reports."""

    file: str
    kind: str  # ERRORS or STATUS
    entries: tuple[FailedEntry, ...]
    status: dict[str, Any] | None

    def describe(self) -> str:
        """One plain sentence about what this file holds."""
        if self.kind == ERRORS:
            n = len(self.entries)
            if n == 0:
                return "no failed users (the answer is an empty list)"
            return f"{n:,} failed user{'s' if n != 1 else ''}"
        return describe_status(self.status or {})


def describe_status(status: dict[str, Any]) -> str:
    job = status.get("id", "(no id)")
    state = status.get("status", "(no status)")
    summary = status.get("summary")
    parts = []
    if isinstance(summary, dict):
        for key in ("failed", "updated", "inserted", "total"):
            if key in summary:
                parts.append(f"{summary[key]} {key}")
    counts = ": " + ", ".join(parts) if parts else ""
    details = status.get("status_details")
    if isinstance(details, str) and details.strip():
        # why a job failed as a whole (e.g. "Failed to parse users file JSON when importing users.")
        counts += f": {' '.join(details.split())[:500]}"
    tail = "this file has no per-user errors"
    if state == "failed":
        tail += "; a failed job imported no user of its file: fix what the details say and start the job again"
    if isinstance(summary, dict) and isinstance(summary.get("failed"), int) and summary["failed"] > 0:
        tail += f"; ask GET /jobs/{job}/errors again to get the {summary['failed']} failed users"
    return f"job {job} is {state}{counts}; {tail}"


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise InputError(f"{path}: no such file", hint="check the path")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a file", hint="name a saved errors answer (JSON)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})", hint="check the file's permissions") from None
    if data.startswith(GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"broken gzip data ({exc})", where=str(path), hint="download the answer again") from None
    if data.startswith(BOM):
        data = data[3:]
    return data


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def read_answer(path: Path | str) -> JobAnswer:
    """Read one saved answer; InputError (exit 2) naming file:line when it is not one."""
    path = Path(path)
    name = str(path)
    data = _read_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"invalid UTF-8 at byte {exc.start + 1}", where=f"{name}:{line}", hint="save the answer as UTF-8 JSON"
        ) from None
    if not text.strip():
        raise InputError(
            "the file is empty", where=name, hint="save the body of GET /jobs/{id}/errors (an empty answer is `[]`)"
        )
    start = len(text) - len(text.lstrip())
    body = text.rstrip()
    if body.startswith("[") and "\n" not in body:
        # Auth0 answers compact JSON on one line: every entry is on line 1, and one fast
        # lossless parse does (jsonio: msgspec, exact for integers of any size)
        try:
            doc = jsonio.loads(data)
        except (jsonio.JSONError, UnicodeDecodeError):
            pass  # the careful parse below names the place
        else:
            if isinstance(doc, list):
                return JobAnswer(name, ERRORS, tuple(_entry(d, name, 1, i) for i, d in enumerate(doc)), None)
    decoder = jsonio.EXACT_DECODER
    try:
        doc, end = decoder.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"malformed JSON at column {exc.colno}: {exc.msg}",
            where=f"{name}:{exc.lineno}",
            hint="save the whole body of GET /jobs/{id}/errors; the file may be truncated",
        ) from None
    except ValueError as exc:
        raise InputError(f"malformed JSON: {exc}", where=f"{name}:1") from None
    rest = text[end:].strip()
    if rest:
        # NDJSON (one entry a line) is accepted: several documents one after another.
        if isinstance(doc, dict) and ("errors" in doc and "user" in doc):
            return _read_ndjson(text, name)
        raise InputError(
            "unexpected content after the JSON document",
            where=f"{name}:{_line_of(text, text.index(rest[0], end))}",
            hint="a saved answer is one JSON array or object",
        )
    if isinstance(doc, list):
        return _errors_array(text, start, doc, name)
    if isinstance(doc, dict):
        if "user" in doc and "errors" in doc:
            return JobAnswer(name, ERRORS, (_entry(doc, name, _line_of(text, start), 0),), None)
        if "statusCode" in doc and "error" in doc and not _STATUS_KEYS & doc.keys() - {"error"}:
            raise InputError(
                f"this is an API error answer, not a job answer: {doc.get('statusCode')} {doc.get('error')}: "
                f"{doc.get('message', '')}".rstrip(": "),
                where=f"{name}:1",
                hint="the request for the job's errors failed; ask again (job data is kept 24 hours)",
            )
        if _STATUS_KEYS & doc.keys():
            return JobAnswer(name, STATUS, (), doc)
        what = f"a JSON object with keys {', '.join(sorted(doc)[:6])}" if doc else "an empty JSON object"
        raise InputError(
            f"{what} is neither a job status nor an error entry",
            where=f"{name}:{_line_of(text, start)}",
            hint="save the body of GET /jobs/{id}/errors",
        )
    raise InputError(
        f"expected a JSON array of failed users or a job-status object, found {jsonio.json_type(doc)}",
        where=f"{name}:{_line_of(text, start)}",
        hint="save the body of GET /jobs/{id}/errors",
    )


def _errors_array(text: str, start: int, doc: list[Any], name: str) -> JobAnswer:
    """Entries with the line each starts on (the array is decoded again element by element for positions)."""
    decoder = jsonio.EXACT_DECODER
    entries: list[FailedEntry] = []
    i = start + 1  # after '['
    line = _line_of(text, start)
    counted = start
    for index in range(len(doc)):
        while text[i] in " \t\r\n,":
            i += 1
        line += text.count("\n", counted, i)
        counted = i
        _, end = decoder.raw_decode(text, i)
        entries.append(_entry(doc[index], name, line, index))
        i = end
    return JobAnswer(name, ERRORS, tuple(entries), None)


def _read_ndjson(text: str, name: str) -> JobAnswer:
    entries: list[FailedEntry] = []
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            doc = jsonio.loads_exact(line)
        except jsonio.JSONError as exc:
            raise InputError(f"malformed JSON at column {exc.column}: {exc.msg}", where=f"{name}:{lineno}") from None
        entries.append(_entry(doc, name, lineno, len(entries)))
    return JobAnswer(name, ERRORS, tuple(entries), None)


def _entry(doc: Any, name: str, line: int, index: int) -> FailedEntry:
    where = f"{name}:{line}"
    user = doc.get("user") if isinstance(doc, dict) else None
    if not isinstance(user, dict):
        problem = "has no 'user' object" if isinstance(doc, dict) else f"is {jsonio.json_type(doc)}, not an entry {{user, errors}}"
        raise InputError(
            f"element {index} {problem}",
            where=where,
            hint="each element of the errors answer is an object with 'user' and 'errors'",
        )
    raw_errors = doc.get("errors")
    if raw_errors is None:
        raw_errors = []
    if isinstance(raw_errors, dict):
        raw_errors = [raw_errors]
    if not isinstance(raw_errors, list):
        raise InputError(f"element {index}: 'errors' is {jsonio.json_type(raw_errors)}, not a list", where=where)
    items: list[ErrorItem] = []
    for n, err in enumerate(raw_errors):
        if isinstance(err, str):
            items.append(ErrorItem("(no code)", err, ""))
            continue
        if not isinstance(err, dict):
            _bad_error(f"element {index}: error {n} is {jsonio.json_type(err)}, not an object", where)
        for key in ("code", "message", "path"):
            if err.get(key) is not None and not isinstance(err[key], str):
                _bad_error(f"element {index}: error {n} has a '{key}' that is {jsonio.json_type(err[key])}, not a string", where)
        items.append(ErrorItem(err.get("code") or "(no code)", err.get("message") or "", err.get("path") or ""))
    if not items:
        items.append(ErrorItem("(no code)", "Auth0 listed this user as failed without an error", ""))
    return FailedEntry(name, line, index, user, tuple(items))


def _bad_error(message: str, where: str) -> NoReturn:
    raise InputError(
        message, where=where, hint="each error Auth0 lists is an object {code, message, path} of strings; save its answer unchanged"
    )
