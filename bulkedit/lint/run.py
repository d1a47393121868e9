"""Running lint over files: `lint()` reads each input once and judges every user with one Checker."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bulkedit import fields
from bulkedit.importfile.convert import in_import_file
from bulkedit.io import detect as fmt
from bulkedit.io.parallel import run_ranges
from bulkedit.io.read import Record, Source, load_column_map, open_source, reporting
from bulkedit.lint.engine import Checker, FileContext, LintOptions, make_checker
from bulkedit.lint.inputs import expand_inputs
from bulkedit.lint.model import FileSummary, LintResult
from bulkedit.lint.parts import parallel_cut
from bulkedit.lint.registry import config_from_pyproject


def judge(source: Source, user: dict[str, Any]) -> str:
    """'import' for a user of a JSON array without export-only (or renamed) keys, else 'export'."""
    return "import" if in_import_file(source, user) else "export"


def lint(
    paths: Iterable[Path | str],
    options: LintOptions | None = None,
    progress: Callable[[int], None] | None = None,
) -> LintResult:
    """Lint files and folders together (duplicates are found across all of them).

    `progress`, when given, is told the bytes read so far: the backup's, then each file's.
    """
    options = options or LintOptions()
    if options.config is None:  # resolve once, so workers see the same configuration
        options = replace(options, config=config_from_pyproject())
    inputs = expand_inputs(paths)
    checker = make_checker(options, progress)
    column_map = load_column_map(options.column_map)
    summaries: list[FileSummary] = []
    done = checker.tenant.source.size if checker.tenant is not None and progress is not None else 0
    for inp in inputs:
        source = open_source(inp.path, column_map=column_map)
        summaries.append(lint_source(checker, source, inp.connection or options.connection, options,
                                     unlisted=inp.unlisted, progress=progress, done_before=done))
        if progress is not None:
            done += source.size
            progress(done)
    backup = str(options.backup) if options.backup is not None else None
    return checker.result(summaries, backup)


def lint_records(checker: Checker, source: Source, records: Iterable[Record], idx: int, connection: str | None) -> tuple[int, bool]:
    """Judge every record; (users read, whether any was judged as an export)."""
    n = 0
    any_export = False
    check = checker.check
    convert = checker.convert
    quick = checker.quick
    always_export = source.format != fmt.JSON
    compare = checker.tenant is not None
    for rec in records:
        n += 1
        judged = "export" if always_export else judge(source, rec.user)
        if judged == "export" and quick(rec, idx, connection):
            any_export = True
            continue
        if judged == "import":
            user = rec.user
            conn = fields.user_connection(user) or connection
        else:
            any_export = True
            conv = convert(rec, idx)
            if not conv.importable:
                continue
            conn = conv.connection or connection
            user = checker.complete(conv.user, conn)
        if compare and checker.unchanged(user, conn):
            continue  # as `emit --backup`: an import that changes nothing is not written, so not judged
        check(user, idx, rec.pos, conn, raw=rec.raw, judged_as=judged, key_user=rec.user)
    return n, any_export


def lint_source(
    checker: Checker,
    source: Source,
    connection: str | None,
    options: LintOptions | None = None,
    *,
    unlisted: bool = False,
    progress: Callable[[int], None] | None = None,
    done_before: int = 0,
) -> FileSummary:
    """Lint one file with `checker` (a large NDJSON file in two processes);
    `unlisted`: the file lies in an emit folder whose manifest does not list it."""
    idx = checker.begin_file(str(source.path), source)
    # this process takes a little more: the worker also hashes its values for the merge
    cut = parallel_cut(source, share=0.51) if options is not None and checker.tenant is None else None
    if cut is None:
        n, any_export = lint_records(checker, source, reporting(source.records(), source, progress, done_before), idx, connection)
        size = source.bytes_read if source.compressed else source.size
    else:
        size = source.size

        def lint_range(start: int, end: int) -> Any:
            if start == 0:  # this process: the shared checker
                records = reporting(source.records_range(0, end), source, progress, done_before)
                done = lint_records(checker, source, records, idx, connection)
                checker.index_seen()  # while the worker still reads
                return done
            assert options is not None
            part = checker.fork(options)  # the worker: a checker of its own, merged back below
            users, exported = lint_records(part, source, source.records_range(start, end), idx, connection)
            return {"state": part.export_state(), "users": users, "any_export": exported, "renamed": source.renamed}

        (n, any_export), part = run_ranges(lint_range, [(0, cut), (cut, size)])
        checker.merge(part["state"])
        n += part["users"]
        any_export = any_export or part["any_export"]
        source.renamed.update(part["renamed"])
    judged_as = "export" if any_export or source.format != fmt.JSON else "import"
    checker.end_file(FileContext(source, judged_as, size, checker.tenant is not None, unlisted=unlisted))
    unchanged = checker.unchanged_users if checker.tenant is not None else None
    return FileSummary(str(source.path), source.format, n, size, judged_as, unchanged)
