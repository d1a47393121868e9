"""`python -m bench.push_env STATE.json -- ARGV...`: run ARGV with the AUTH0_* variables the bench's
fake Auth0 wrote to STATE.json (bench.push_fake). The process replaces itself with ARGV (exec), so
the time and memory measured are the command's; the credentials never appear on a command line."""

from __future__ import annotations

import json
import os
import sys


def main() -> int:
    state, sep, *argv = sys.argv[1:]
    assert sep == "--" and argv, "usage: python -m bench.push_env STATE.json -- ARGV..."
    with open(state) as f:
        env = {**os.environ, **json.load(f)["env"]}
    os.execvpe(argv[0], argv, env)
    return 0  # pragma: no cover - exec does not return


if __name__ == "__main__":
    raise SystemExit(main())
