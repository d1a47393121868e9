"""BE7xx: whole files."""

from __future__ import annotations

from bulkedit.lint.registry import rule

#: Auth0 answers 413 above 512,000 bytes for the request (the file plus a multipart envelope).
IMPORT_FILE_LIMIT = 512_000


@rule("BE701", "file-too-large", "error", "file is {size:,} bytes; one import job accepts at most {limit:,}", "file")
def file_too_large(fctx):  # type: ignore[no-untyped-def]
    """An import file over the size limit of one import job.

    Why: Auth0 accepts at most 500 KB per file and answers HTTP 413 for a request over
    512,000 bytes (the file plus a few hundred bytes of envelope).

    Example: a 900 KB JSON array of 1,800 users.

    Fix: `bulkedit emit` it: it packs users into chunks of at most `--max-bytes`.
    """
    if fctx.judged_as == "import" and fctx.bytes > IMPORT_FILE_LIMIT:
        return [(None, None, {"size": fctx.bytes, "limit": IMPORT_FILE_LIMIT})]
    return None
