"""Editing a large plain NDJSON file on several cores.

The file is cut at line starts into one range per core; each forked worker edits
its range exactly as the sequential pass does (same `_Run.process`) and writes its
users to a private part file beside OUT. The parent merges the counts (in file
order, so "the first N changes" are the same as sequentially) and, when nothing
was refused, concatenates the parts into the atomic output. Used only when the
editor can merge the state of its copies (`state()` / `merge_state()`, as `Plan`
does) and adds no users; anything else runs sequentially.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from bulkedit.io import detect as fmt
from bulkedit.io.atomic import AtomicFile, sibling_temp
from bulkedit.io.parallel import byte_ranges
from bulkedit.io.read import Source
from bulkedit.io.write import WriteResult, append_file, is_gzip_name, open_output, write_json_body

#: The first of two parts: a little less than half (see run_parallel).
FIRST_SHARE = 0.46

_JOB: dict[str, Any] = {}  # what forked workers inherit: the source, the editor, the run settings


def ranges_for(source: Source, editor: Any, out_format: str | None, limit: int | None = None) -> list[tuple[int, int]] | None:
    """The byte ranges to edit in separate processes, or None to edit sequentially.

    `limit` (--jobs) caps the processes and skips the size threshold.
    """
    if limit is not None and limit <= 1:
        return None
    if out_format not in (None, fmt.NDJSON):
        return None
    if not (hasattr(editor, "state") and hasattr(editor, "merge_state")) or hasattr(editor, "extra"):
        return None
    return byte_ranges(
        source,
        parts=min(limit or 2, os.cpu_count() or 1),
        min_bytes=0 if limit is not None else None,  # None: io.parallel's threshold
        first_share=FIRST_SHARE if out_format is not None else None,
    )


def run_parallel(run: Any, out: Path | None, ranges: list[tuple[int, int]]) -> tuple[bool, WriteResult | None]:
    """Edit `run.source` in `parts` processes, merging into `run` and `run.editor`.

    Returns (done, written). done=False: a worker failed (a malformed line, say);
    nothing was merged and the caller runs sequentially, which reports the error
    with its exact line.
    """
    parts = len(ranges)
    # The first worker writes straight into the atomic output file; the others write
    # part files. The first part is a little smaller, so once it is done this process
    # appends the second part (in the kernel) while its worker is still writing it.
    af = AtomicFile(out) if out is not None else None
    part_files: list[Path | None] = [af.path if af is not None else None]
    try:
        for _ in range(1, parts):
            if out is None:
                part_files.append(None)
                continue
            part_files.append(sibling_temp(out, ".part"))
        _JOB.update(run=run, gz=out is not None and is_gzip_name(out))  # gzip: one member per part
        try:
            with ProcessPoolExecutor(max_workers=parts, mp_context=multiprocessing.get_context("fork")) as pool:
                futures = [pool.submit(_edit_range, start, end, part) for (start, end), part in zip(ranges, part_files)]
                if af is not None:
                    futures[0].result()
                    with open(af.path, "ab") as dst:
                        for fut, part in zip(futures[1:], part_files[1:]):
                            assert part is not None
                            with open(part, "rb") as src:
                                _follow(src, dst, fut)
                results = [f.result() for f in futures]
        except Exception:  # noqa: BLE001 - the sequential pass reports it properly
            return False, None
        finally:
            _JOB.clear()
        private = False
        users = 0
        for state, editor_state, part_private in results:
            run.absorb(state)
            run.editor.merge_state(editor_state)
            private = private or part_private
            users += state["read"]
        if af is None or out is None or run.refusal_counts:
            return True, None
        af.private = private
        af.commit()
        af = None
        return True, WriteResult(out, fmt.NDJSON, users, private)
    finally:
        if af is not None:
            af.discard()
        for part in part_files[1:]:
            if part is not None:
                with contextlib.suppress(FileNotFoundError):
                    part.unlink()


def _follow(src: Any, dst: Any, fut: Any) -> None:
    """Append `src` to `dst` while a worker (`fut`) is still writing it, then the rest."""
    while True:
        done = fut.done()  # asked before copying: once done, one more copy takes everything
        append_file(src, dst)
        if done:
            return
        time.sleep(0.02)


def _edit_range(start: int, end: int, part: Path | None) -> tuple[dict[str, Any], Any, bool]:
    """In a worker: edit the users of bytes [start, end) and write them to `part`."""
    run = _JOB["run"]
    source: Source = run.source
    edited = map(run.process, source.records_range(start, end))
    private = False
    if part is None:  # a dry run: edit and count only
        for _ in edited:
            pass
    else:
        with open_output(part, gz=_JOB["gz"]) as out:
            _, private = write_json_body(out, edited, array=False)
    return run.export(), run.editor.state(), private
