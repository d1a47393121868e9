"""Reading a large NDJSON file in two parts, one per core, for lint and emit.

`parallel_cut` says where to cut (or None: read in one go); the parts are then read
with `bulkedit.io.parallel.run_ranges` (this process takes the first, a forked worker
the second).
"""

from __future__ import annotations

from bulkedit.io.parallel import byte_ranges
from bulkedit.io.read import Source

#: Below this size one process is quicker than starting a second.
PARALLEL_MIN_BYTES = 16 << 20


def parallel_cut(source: Source, share: float = 0.5) -> int | None:
    """Where to cut an uncompressed NDJSON file in two at a line start, or None to read it in one go.

    `share`: the part this process reads itself (less when it has more to do afterwards).
    """
    ranges = byte_ranges(source, parts=2, min_bytes=PARALLEL_MIN_BYTES, first_share=share)
    return ranges[0][1] if ranges is not None else None
