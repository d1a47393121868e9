"""Shared helpers of the bounds tests: users, running the CLI in-process or as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bulkedit.cli.app import main

ROOT = Path(__file__).resolve().parents[2]


def user(n: int, **extra: Any) -> dict[str, Any]:
    """An Auth0 export user (NDJSON export shape) of the database connection `db`."""
    u: dict[str, Any] = {
        "user_id": f"auth0|{n:024x}",
        "email": f"user{n}@example.com",
        "email_verified": True,
        "name": f"User {n}",
        "identities": [{"connection": "db", "provider": "auth0", "user_id": f"{n:024x}", "isSocial": False}],
        "user_metadata": {"plan": "free", "n": n},
    }
    u.update(extra)
    return u


def ndjson(users: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(u, separators=(",", ":")) + "\n" for u in users)


#: An export of about 900 KB: a few chunks, more than a small disk holds.
USERS = [user(n, user_metadata={"plan": "free", "bio": "x" * 400, "n": n}) for n in range(1500)]


@pytest.fixture
def export(tmp_path: Path) -> Path:
    src = tmp_path / "export.ndjson"
    src.write_text(ndjson(USERS))
    return src


def cli(capsys: pytest.CaptureFixture[str], *args: Any) -> tuple[int, str, str]:
    """Run `bulkedit ARGS` in this process: (exit code, stdout, stderr)."""
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def run_process(*args: Any, env: dict[str, str] | None = None, mem_mb: int | None = 1024, timeout: float = 600,
                cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `bulkedit ARGS` as a real process, its address space capped at `mem_mb` (so that a
    regression on a bomb fails the test instead of taking the machine down)."""
    code = (
        "import resource, sys\n"
        f"mem = {mem_mb!r}\n"
        "if mem: resource.setrlimit(resource.RLIMIT_AS, (mem << 20, mem << 20))\n"
        "from bulkedit.cli.app import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True, text=True, timeout=timeout, cwd=cwd or ROOT,
        env={**os.environ, **(env or {})},
    )


class SmallDisk:
    """A tmpfs of a few hundred KB mounted for one test: a disk that really fills up."""

    def __init__(self, path: Path, kb: int) -> None:
        self.path = path
        path.mkdir()
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kb}k,mode=0777", "tmpfs", str(path)], capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs to fill up ({proc.stderr.strip() or 'mount failed'}); needs root")

    def fill(self, leave: int) -> None:
        """Write a filler file that leaves about `leave` bytes free."""
        st = os.statvfs(self.path)
        free = st.f_bavail * st.f_frsize
        with open(self.path / "filler", "wb") as f:
            f.write(b"\0" * max(free - leave, 0))

    def read_only(self) -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True)

    def files(self) -> list[str]:
        return sorted(str(p.relative_to(self.path)) for p in self.path.rglob("*"))

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    """A 512 KB tmpfs (skipped with a reason where mounting is not allowed)."""
    disk = SmallDisk(tmp_path / "disk", 512)
    yield disk
    disk.unmount()
