"""BE7xx: whole files."""

from __future__ import annotations

from bulkedit.fields import IMPORT_FILE_LIMIT
from bulkedit.lint.rule import rule


@rule("BE701", "file-too-large", "error", "file is {size:,} bytes; one import job accepts at most {limit:,}", "file")
def file_too_large(fctx):  # type: ignore[no-untyped-def]
    """An import file over the size limit of one import job.

    Why: Auth0 accepts at most 500 KB per file and answers HTTP 413 for a request over
    512,000 bytes: the file plus a few hundred bytes of envelope (bulkedit leaves 1,000),
    so a file may hold at most 511,000 bytes.

    Example: a 900 KB JSON array of 1,800 users.

    Fix: `bulkedit emit` it: it packs users into chunks of at most `--max-bytes`.
    """
    if fctx.judged_as == "import" and fctx.bytes > IMPORT_FILE_LIMIT:
        return [(None, None, {"size": fctx.bytes, "limit": IMPORT_FILE_LIMIT})]
    return None


@rule(
    "BE702",
    "metadata-from-columns",
    "warning",
    "{field} is built from {n} column(s) ({columns}); an upsert replaces the tenant's whole {field} with it",
    "file",
)
def metadata_from_columns(fctx):  # type: ignore[no-untyped-def]
    """A spreadsheet or CSV whose metadata comes from dotted leaf columns, linted without `--backup`.

    Why: an upsert replaces `user_metadata`/`app_metadata` whole. A sheet that carries only
    some metadata leaves (`user_metadata.plan`) gives each user a partial object, which
    erases every other metadata key of the user in the tenant. Without the tenant's
    export bulkedit cannot tell whether the columns hold the complete objects.

    Example: a Dashboard CSV with a `user_metadata.plan` column, emitted as it is.

    Fix: make the sheet with `bulkedit convert` from the full export (all metadata
    columns), or lint and emit with `--backup export.json.gz`: the leaves are then laid
    over each existing user's objects from it (BE703).
    """
    if fctx.has_backup or fctx.source.format not in ("csv", "xlsx"):
        return None
    cols: dict[str, list[str]] = {}
    for col in fctx.source.columns:
        path = col.path
        if len(path) > 1 and path[0] in ("user_metadata", "app_metadata"):
            cols.setdefault(str(path[0]), []).append(col.header)
    out = []
    for field, headers in cols.items():
        shown = ", ".join(headers[:5]) + (", ..." if len(headers) > 5 else "")
        out.append((None, field, {"field": field, "n": len(headers), "columns": shown}))
    return out or None


@rule(
    "BE703",
    "metadata-completed-from-backup",
    "info",
    "{n:,} user(s) completed from the backup: the sheet's metadata leaves laid over the tenant's objects, email_verified kept",
    "file",
)
def metadata_completed_from_backup(fctx):  # type: ignore[no-untyped-def]
    """A sheet's users completed from `--backup` (lint judges, and emit writes, the completed users).

    Why: a CSV without bulkedit's type information (Auth0's CSV export, a hand-made
    sheet) holds only the fields and metadata leaves it has columns for. An upsert
    replaces `user_metadata`/`app_metadata` whole, and resets `email_verified` to false
    when the file does not say true: imported as they are, the objects would erase every
    other key and verified users would have to verify again. Laid over the tenant's
    objects, with `email_verified: true` kept, they change only what the sheet says.

    Example: an Auth0 CSV export with a `user_metadata.plan` column and no
    `email_verified` column: each user's `user_metadata` becomes the backup's object with
    `plan` from the sheet, and a verified user stays verified.

    Fix: nothing to fix. To delete a metadata key, use an edit plan's `unset` on the JSON
    export instead (an empty cell cannot say "delete").
    """
    if fctx.completed:
        return [(None, None, {"n": fctx.completed})]
    return None


@rule(
    "BE704",
    "chunk-not-in-manifest",
    "warning",
    "this file lies in an emit folder whose manifest.json does not list it: emit did not write it",
    "file",
)
def chunk_not_in_manifest(fctx):  # type: ignore[no-untyped-def]
    """A user file inside an emit output folder that the folder's manifest does not list.

    Why: `emit` lists every chunk it writes in `manifest.json`, and `errors --chunks` and
    `diff` read the chunks through it. A file added by hand (or left from another run)
    is linted here, but the manifest's sums and user counts do not cover it, and a
    tool uploading the manifest's chunks would leave it out.

    Example: `out/legacy-db/chunk-0002.json` copied into a folder whose manifest lists
    only `chunk-0001.json`.

    Fix: emit again into an empty folder, or move the file out of the emit folder.
    """
    if fctx.unlisted:
        return [(None, None, {})]
    return None
