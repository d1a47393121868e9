"""Outputs appear whole or not at all: write to a temporary file beside the target, then rename."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from bulkedit.errors import OutputError, RefusedError, UsageError
from bulkedit.io.signals import crash_point
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


def check_output_file(
    output: Path | str, inputs: Iterable[Path | str | None], *, sidecar: bool = False, force: bool = False
) -> None:
    """Refuse, before any input is read, an output file that cannot or may not be written.

    Exit 2 for an output that is an input, a folder, a device, or whose folder is missing;
    exit 1 (a refused output) for one that exists, unless `force` (see `refuse_existing`).
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
    refuse_special_file(output)
    refuse_existing(output, force=force)
    if sidecar:
        refuse_existing(sidecar_path(output), force=force)


def refuse_existing(output: Path, *, force: bool) -> None:
    """The one rule of every command that writes a file: an existing one is replaced only with --force.

    (Folders: `check_output_dir`, the same rule for a non-empty folder.) A symlink counts as
    existing, even a dangling one: replacing it would lose what it points to.
    """
    if not force and (output.exists() or output.is_symlink()):
        raise RefusedError(
            f"refused output: {output} already exists; nothing was written",
            hint="add --force to replace it, or choose another -o path",
        )


def refuse_special_file(target: Path) -> None:
    """A device, pipe or socket cannot be an output: the atomic rename would replace it with a file."""
    if target.exists() and not target.is_file() and not target.is_dir():
        raise UsageError(
            f"{target} is not a regular file (a device, a pipe or a socket): bulkedit replaces its output whole",
            hint="give -o a file name, or leave -o out to write the report to stdout",
        )


def check_output_dir(target: Path | str, *, force: bool, inputs: Iterable[Path | str | None] = ()) -> None:
    """Refuse, before any input is read, an output folder `atomic_dir` would refuse.

    Exit 2 for an output that is or holds an input, is a file or has no parent folder;
    exit 1 (a refused output) for a non-empty folder without `force`, and for `force`
    on a non-empty folder that is or holds the current directory.
    """
    target = Path(target)
    refuse_overwriting_inputs(target, inputs, folder=True)
    clean_debris(target)
    if target.is_symlink() and not target.exists():
        raise UsageError(f"{target} is a symlink to a missing folder", hint="create the folder it points to, or choose another")
    if target.exists():
        if not target.is_dir():
            raise UsageError(f"{target} exists and is not a folder", hint="choose another output folder")
        if any(target.iterdir()):
            if not force:
                raise RefusedError(
                    f"refused output: output folder {target} is not empty; nothing was written",
                    hint="add --force to replace its content, or choose an empty folder",
                )
            if Path.cwd().resolve().is_relative_to(target.resolve()):
                raise RefusedError(
                    f"output folder {target} is the current directory or holds it; --force would delete its content",
                    hint="write to a new or empty folder, e.g. -o out/",
                )
    elif not target.parent.is_dir():
        raise UsageError(f"folder {target.parent} does not exist", hint="create it first")


#: What a file system answers when it will not take an output: full, over quota, too
#: large a file, read-only, not permitted. Any other OSError is not the output's doing.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM})


def free_bytes(folder: Path) -> int | None:
    """The bytes this user may still write in `folder`'s file system (None when it cannot be told)."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f}" if n < 10e6 else f"{n / 1e6:,.0f}"


def output_error(exc: OSError, target: Path, *, written: int | None = None, free: int | None = None) -> OutputError:
    """A clear error for an output the file system refused (`exc`); the caller has removed what it wrote.

    `written`: bytes written before the refusal; `free`: what the file system had free when the write began.
    """
    folder = target.parent if not target.is_dir() else target
    done = "nothing was changed"
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        what = "the disk is full" if code == errno.ENOSPC else "the disk quota is used up"
        if written is not None and free is not None:
            what += f" (wrote {_mb(written)} of {_mb(free)} MB)"
        elif written is not None:
            what += f" (wrote {_mb(written)} MB)"
        return OutputError(f"cannot write {target}: {what}; {done}", hint="free some space on that disk, or write the output to another disk")
    if code == errno.EFBIG:
        return OutputError(f"cannot write {target}: the file is larger than that file system allows; {done}",
                           hint="write the output to another disk")
    if code == errno.EROFS:
        return OutputError(f"cannot write {target}: {folder} is on a read-only file system; {done}",
                           hint="write the output to a folder on a writable disk")
    if code in (errno.EACCES, errno.EPERM):
        return OutputError(
            f"cannot write {target}: permission denied in folder {folder}; {done}",
            hint="choose a folder you may write to (a folder marked immutable refuses everyone)",
        )
    return OutputError(f"cannot write {target}: {exc.strerror or exc}; {done}", hint="check the disk and the folder, then run the command again")


def is_write_error(exc: BaseException) -> bool:
    """Whether `exc` is the file system refusing an output (full, read-only, not permitted)."""
    return isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS


def sibling_temp(target: Path, suffix: str) -> Path:
    """A new empty hidden file beside `target` (mode 0600: nothing readable by others while it is written).

    Its name carries this process's id (`.NAME.PID.XXXXXXXX.tmp`), so that what a killed
    run left behind is known for bulkedit's own and removed by the next (`clean_debris`).
    """
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=suffix, dir=target.parent)
    except OSError as exc:
        raise output_error(exc, target) from None
    os.close(fd)
    return Path(name)


def _dead(pid: int) -> bool:
    """Whether no process `pid` runs (on this machine) any more."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # another user's process
        return False
    return False


#: Temp folders of atomic_dir: `.bulkedit-PID-...` (and `.bulkedit-XXXXXXXX.tmp|.old` of versions before the PID).
_DIR_DEBRIS = re.compile(r"\.bulkedit-(?:(\d+)-.*|[a-z0-9_]{8}\.(?:tmp|old))")


def clean_debris(target: Path) -> list[Path]:
    """Remove what a killed bulkedit left beside and inside output `target`; returns what was removed.

    Only bulkedit's own temp names count, and only those of a process that no longer runs:
    `.NAME.PID.XXXXXXXX.tmp|.part` beside a file, `.bulkedit-PID-NAME-...tmp` beside a folder
    and `.bulkedit-PID-...` inside it. A folder moved aside by an interrupted swap
    (`.bulkedit-PID-NAME.old`) is moved back when NAME is missing: it is the old output.
    """
    target = Path(target)
    removed: list[Path] = []
    parent = target.parent
    try:
        beside = [p for p in parent.iterdir() if p.name.startswith(".")]
    except OSError:
        return removed
    file_debris = re.compile(rf"\.{re.escape(target.name)}\.(\d+)\.[A-Za-z0-9_]{{8}}\.(?:tmp|part)")
    dir_debris = re.compile(rf"\.bulkedit-(\d+)-{re.escape(target.name)}(-[A-Za-z0-9_]{{8}}\.tmp|\.old)")
    for p in beside:
        m = file_debris.fullmatch(p.name) or dir_debris.fullmatch(p.name)
        if m is None or not _dead(int(m.group(1))):
            continue
        if p.name.endswith(".old") and not target.exists() and not target.is_symlink():
            os.rename(p, target)  # the swap stopped between its two renames: the old output comes back
            continue
        _remove(p)
        removed.append(p)
    if target.is_dir():
        for p in target.iterdir():
            m = _DIR_DEBRIS.fullmatch(p.name)
            if m is not None and (m.group(1) is None or _dead(int(m.group(1)))):
                _remove(p)
                removed.append(p)
    return removed


def _remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


class AtomicFile:
    """A temporary path to write; `commit()` renames it over the target with the right mode.

    `commit()` flushes the file to the disk first: a file system that reports a full disk
    only then (network and FUSE file systems, quotas) must not leave a truncated output.
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        self.private = False
        if not target.parent.is_dir():
            raise UsageError(f"folder {target.parent} does not exist", hint="create it first or choose another -o path")
        refuse_special_file(target)
        clean_debris(target)
        self.free = free_bytes(target.parent)
        self.path = sibling_temp(target, ".tmp")

    def commit(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.chmod(self.path, PRIVATE_MODE if self.private else _public_mode())
            os.replace(self.path, self.target)
        except OSError as exc:
            raise self.failed(exc) from None

    def failed(self, exc: OSError) -> OutputError:
        """Discard what was written and say why the file system refused the output."""
        written = _size(self.path)
        self.discard()
        return output_error(exc, self.target, written=written, free=self.free)

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


@contextlib.contextmanager
def atomic_file(target: Path | str) -> Iterator[AtomicFile]:
    """Yield an AtomicFile; it replaces `target` only when the block finishes without error.

    Set `.private = True` when the content holds secrets (password hashes): mode 0600.
    A full disk, a read-only file system or a refused permission while writing ends in
    an OutputError (exit 2) naming it, with nothing left behind.
    """
    af = AtomicFile(Path(target))
    try:
        yield af
        crash_point("file-written")
    except OSError as exc:
        if is_write_error(exc):
            raise af.failed(exc) from None
        af.discard()
        raise
    except BaseException:
        af.discard()
        raise
    af.commit()


@contextlib.contextmanager
def atomic_dir(target: Path | str, *, force: bool = False, inputs: Iterable[Path | str | None] = ()) -> Iterator[Path]:
    """Yield a temporary folder; when the block succeeds it becomes `target`, in one step.

    Refused as `check_output_dir` says (which first removes what a killed run left). The
    temporary folder is made beside `target` and, when the block succeeds, takes its
    place: a new `target` by a rename, a non-empty one (with `force`) by exchanging the
    two folders in one system call (renameat2 RENAME_EXCHANGE), so a reader sees the old
    folder or the new one, never a mix, whenever the process is killed. An existing empty
    `target` (or one holding the current directory) is filled in place from a temporary
    folder inside it, `manifest.json` last. An existing `target` keeps its mode, and a
    symlink to it stays a symlink (the folder it points to is replaced). Where the exchange is not supported the folder is moved aside and the
    new one renamed in (a run killed between the two renames finds the old folder moved
    back); where nothing may be written beside `target`, or it cannot be renamed (a mount
    point), in place. On any error the temporary folder is
    removed and `target` is left as it was.
    """
    target = Path(target)
    check_output_dir(target, force=force, inputs=inputs)
    exists = target.exists()
    real = target.resolve() if exists else target
    free = free_bytes(real.parent)
    # An existing empty folder is filled in place: it keeps its inode (owner, ACLs, a mount
    # point), and `-o .` its shell (a swap would leave it in a deleted folder). Only the
    # last renames, manifest.json last, happen in the folder itself.
    inside = exists and (Path.cwd().resolve().is_relative_to(real) or not any(real.iterdir()))
    try:
        if not inside:
            tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-{real.name}-", suffix=".tmp", dir=real.parent))
    except OSError as exc:
        if not (exists and is_write_error(exc)):
            raise output_error(exc, target) from None
        inside = True  # the folder's parent is not writable, the folder is: work inside it
    if inside:
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".tmp", dir=real))
        except OSError as exc:
            raise output_error(exc, target) from None
    try:
        yield tmp
        crash_point("folder-written")
        if inside:
            _move_content(tmp, real)
        elif exists:
            os.chmod(tmp, stat.S_IMODE(real.stat().st_mode))
            _swap(tmp, real)  # tmp now holds the old content, removed below
            crash_point("folder-swapped")
        else:
            os.chmod(tmp, 0o777 & ~_umask())
            os.replace(tmp, real)
    except OSError as exc:
        if not is_write_error(exc):
            raise
        raise output_error(exc, target, written=_tree_size(tmp), free=free) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


#: Name start of the temporary folders `atomic_dir` makes (followed by the process id).
TEMP_PREFIX = ".bulkedit-"

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
#: A rename of this folder cannot be done here (no exchange on this file system, a mount point).
_CANNOT_RENAME = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EBUSY, errno.EXDEV})


def _exchange(a: Path, b: Path) -> bool:
    """Swap folders `a` and `b` in one step (Linux renameat2); False where that is not supported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _CANNOT_RENAME:
        return False
    raise OSError(code, os.strerror(code), str(b))


def _swap(new: Path, target: Path) -> None:
    """Put folder `new` in `target`'s place and the old `target` at `new`'s path."""
    if _exchange(new, target):
        return
    aside = target.with_name(f"{TEMP_PREFIX}{os.getpid()}-{target.name}.old")
    try:
        os.rename(target, aside)
    except OSError as exc:
        if exc.errno not in _CANNOT_RENAME:
            raise
        _move_content(new, target)  # a mount point, say: its content is replaced instead
        return
    crash_point("folder-swapping")
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(aside, target)
        raise
    os.rename(aside, new)  # removed with the temporary folder


def _tree_size(folder: Path) -> int:
    """The bytes of the files under `folder`."""
    total = 0
    for dirpath, _, names in os.walk(folder):
        for name in names:
            total += _size(Path(dirpath) / name) or 0
    return total


def _move_content(new: Path, target: Path) -> None:
    """Replace `target`'s content (all but `new`) by `new`'s; on failure put the old content back."""
    old_entries = [p for p in target.iterdir() if p.name != new.name]
    old = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".old", dir=target)) if old_entries else None
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
