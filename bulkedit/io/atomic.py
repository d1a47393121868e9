"""Outputs appear whole or not at all: write to a temporary file beside the target, then rename."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from bulkedit.errors import RefusedError, UsageError
from bulkedit.io.tabular import sidecar_path

PRIVATE_MODE = 0o600


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _public_mode() -> int:
    return 0o666 & ~_umask()


def _places(path: Path) -> set[Path]:
    """Where `path` lives: its target with symlinks resolved, and the link itself (deleting either loses it)."""
    path = Path(path)
    return {path.resolve(), path.absolute().parent.resolve() / path.name}


def _inputs_with_sidecars(inputs: Iterable[Path | str | None]) -> list[Path]:
    out: list[Path] = []
    for src in inputs:
        if src is not None:
            src = Path(src)
            out += [src, sidecar_path(src)]
    return out


def refuse_overwriting_inputs(output: Path | str, inputs: Iterable[Path | str | None], *, folder: bool = False) -> None:
    """Inputs are never modified: refuse (usage error, exit 2) an output that would replace or delete one.

    A file output must not be an input or an input's type sidecar (`<file>.bulkedit.json`);
    an output folder (`folder=True`) must neither be nor contain one, since `--force`
    replaces its content; no output may lie inside an input folder (a file read from it
    could be replaced). Symlinks are resolved, and the link itself counts too.
    `None` stands for an option not given.
    """
    output = Path(output)
    out = output.resolve()
    for src in _inputs_with_sidecars(inputs):
        if src.is_dir() and out != src.resolve() and out.is_relative_to(src.resolve()):
            raise UsageError(
                f"{'output folder' if folder else 'output'} {output} lies inside the input folder {src}",
                hint="write it outside the folders the command reads; bulkedit never modifies its inputs",
            )
        for place in _places(src):
            if place == out:
                what = "output folder" if folder else "output"
                raise UsageError(
                    f"{what} {output} is the input {'file ' if not folder else ''}{src}",
                    hint="write to a new file; bulkedit never modifies its inputs"
                    if not folder
                    else "choose a new output folder; bulkedit never modifies its inputs",
                )
            if folder and place.is_relative_to(out) and (src.exists() or src.is_symlink()):
                raise UsageError(
                    f"output folder {output} contains the input {src}",
                    hint="choose an output folder that holds none of the command's inputs "
                    "(--force would delete them); bulkedit never modifies its inputs",
                )


def check_output_file(output: Path | str, inputs: Iterable[Path | str | None], *, sidecar: bool = False) -> None:
    """Refuse, before any input is read, an output file that is an input or whose folder is missing.

    `sidecar`: the output is a CSV, written with its `<file>.bulkedit.json` beside it.
    """
    output = Path(output)
    inputs = list(inputs)
    if output.is_dir():
        raise UsageError(f"{output} is a folder", hint="give -o a file name (for example report.json or edited.ndjson)")
    refuse_overwriting_inputs(output, inputs)
    if sidecar:
        refuse_overwriting_inputs(sidecar_path(output), inputs)
    if not output.parent.is_dir():
        raise UsageError(f"folder {output.parent} does not exist", hint="create it first or choose another -o path")


def check_output_dir(target: Path | str, *, force: bool, inputs: Iterable[Path | str | None] = ()) -> None:
    """Refuse, before any input is read, an output folder `atomic_dir` would refuse.

    Exit 2 for an output that is or holds an input, is a file or has no parent folder;
    exit 1 (a refused output) for a non-empty folder without `force`, and for `force`
    on a non-empty folder that is or holds the current directory.
    """
    target = Path(target)
    refuse_overwriting_inputs(target, inputs, folder=True)
    if target.is_symlink() and not target.exists():
        raise UsageError(f"{target} is a symlink to a missing folder", hint="create the folder it points to, or choose another")
    if target.exists():
        if not target.is_dir():
            raise UsageError(f"{target} exists and is not a folder", hint="choose another output folder")
        if any(target.iterdir()):
            if not force:
                raise RefusedError(
                    f"output folder {target} is not empty",
                    hint="choose an empty folder, or pass --force to replace its content",
                )
            if Path.cwd().resolve().is_relative_to(target.resolve()):
                raise RefusedError(
                    f"output folder {target} is the current directory or holds it; --force would delete its content",
                    hint="write to a new or empty folder, e.g. -o out/",
                )
    elif not target.parent.is_dir():
        raise UsageError(f"folder {target.parent} does not exist", hint="create it first")


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
def atomic_dir(target: Path | str, *, force: bool = False, inputs: Iterable[Path | str | None] = ()) -> Iterator[Path]:
    """Yield a temporary folder; when the block succeeds its content becomes `target`'s.

    Refused as `check_output_dir` says. A new `target` is the temporary folder renamed.
    An existing one is kept (its mode, a symlink to it): the temporary folder is made
    inside it, and on success the old content (with `force`) is moved aside and the new
    moved in, `manifest.json` last, so a reader never takes a partial folder for whole.
    On any error the temporary folder is removed and `target` is left as it was.
    """
    target = Path(target)
    check_output_dir(target, force=force, inputs=inputs)
    exists = target.exists()
    where = target if exists else target.parent
    try:
        tmp = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=where))
    except OSError as exc:
        raise UsageError(f"cannot write in folder {where} ({exc.strerror})", hint="choose a folder you can write to") from None
    try:
        yield tmp
        if exists:
            _move_content(tmp, target)
        else:
            os.chmod(tmp, 0o777 & ~_umask())
            os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


#: Name start of the temporary folders `atomic_dir` makes (inside an existing output folder).
TEMP_PREFIX = ".bulkedit-"


def _move_content(new: Path, target: Path) -> None:
    """Replace `target`'s content (all but `new`) by `new`'s; on failure put the old content back."""
    old_entries = [p for p in target.iterdir() if p.name != new.name]
    old = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, suffix=".old", dir=target)) if old_entries else None
    moved_old: list[str] = []
    moved_new: list[str] = []
    try:
        for p in old_entries:
            os.rename(p, old / p.name)  # type: ignore[operator]
            moved_old.append(p.name)
        # the manifest last: a folder without one is never taken for a finished output
        for p in sorted(new.iterdir(), key=lambda p: p.name == "manifest.json"):
            os.rename(p, target / p.name)
            moved_new.append(p.name)
    except BaseException:
        for name in moved_new:
            with contextlib.suppress(OSError):
                os.rename(target / name, new / name)
        for name in moved_old:
            with contextlib.suppress(OSError):
                os.rename(old / name, target / name)  # type: ignore[operator]
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
