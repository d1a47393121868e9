"""Outputs appear whole or not at all: write to a temporary file beside the target, then rename."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bulkedit.errors import UsageError

PRIVATE_MODE = 0o600


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _public_mode() -> int:
    return 0o666 & ~_umask()


def refuse_overwriting_inputs(output: Path, inputs: list[Path]) -> None:
    """Inputs are never modified: an output that is one of them is a usage error."""
    out = output.resolve()
    for src in inputs:
        if src.exists() and src.resolve() == out:
            raise UsageError(
                f"output {output} is the input file",
                hint="write to a new file; bulkedit never modifies its inputs",
            )


def sibling_temp(target: Path, suffix: str) -> Path:
    """A new empty hidden file beside `target` (mode 0600: nothing readable by others while it is written)."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    return Path(name)


class AtomicFile:
    """A temporary path to write; `commit()` renames it over the target with the right mode."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.private = False
        if not target.parent.is_dir():
            raise UsageError(f"folder {target.parent} does not exist", hint="create it first or choose another -o path")
        self.path = sibling_temp(target, ".tmp")

    def commit(self) -> None:
        os.chmod(self.path, PRIVATE_MODE if self.private else _public_mode())
        os.replace(self.path, self.target)

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


@contextlib.contextmanager
def atomic_file(target: Path | str) -> Iterator[AtomicFile]:
    """Yield an AtomicFile; it replaces `target` only when the block finishes without error.

    Set `.private = True` when the content holds secrets (password hashes): mode 0600.
    """
    af = AtomicFile(Path(target))
    try:
        yield af
    except BaseException:
        af.discard()
        raise
    af.commit()


@contextlib.contextmanager
def atomic_dir(target: Path | str, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside `target`; it becomes `target` when the block succeeds.

    A non-empty `target` is refused unless `force`; with `force` its old content is replaced
    only after the new content is complete.
    """
    target = Path(target)
    if target.exists():
        if not target.is_dir():
            raise UsageError(f"{target} exists and is not a folder", hint="choose another output folder")
        if any(target.iterdir()) and not force:
            raise UsageError(
                f"output folder {target} is not empty",
                hint="choose an empty folder, or pass --force to replace its content",
            )
    if not target.parent.is_dir():
        raise UsageError(f"folder {target.parent} does not exist", hint="create it first")
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    os.chmod(tmp, 0o777 & ~_umask())
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
        os.rmdir(old)
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, target)
