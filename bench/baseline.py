"""The baseline every target is measured against: parse each NDJSON line with orjson, dump it again."""

from __future__ import annotations

import sys

import orjson


def main() -> int:
    n = 0
    with open(sys.argv[1], "rb") as f:
        for line in f:
            if line.strip():
                orjson.dumps(orjson.loads(line))
                n += 1
    print(f"baseline: {n} lines", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
