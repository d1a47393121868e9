"""An unexpected exception is a bug: exit 3, say how to report it, print no user data."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from bulkedit.errors import EXIT_INTERNAL, EXIT_USAGE

from .conftest import run

SECRET = "alice.secret@example.com"


def _boom(*_args: object, **_kwargs: object) -> None:
    raise ValueError(f"cannot handle user {SECRET}")


def test_internal_error_exits_3_with_type_and_location_only(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fixtures: Path
) -> None:
    monkeypatch.setattr("bulkedit.inspect.inspect", _boom)
    rc, out, err = run(capsys, "inspect", fixtures / "export.json.gz")
    assert rc == EXIT_INTERNAL == 3
    assert "internal error (a bug in bulkedit): ValueError at bulkedit.cli.cmd_inspect:inspect_cmd:" in err
    assert "--debug" in err and "file an issue" in err
    assert SECRET not in err + out and "Traceback" not in err


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fixtures: Path) -> None:
    monkeypatch.setattr("bulkedit.inspect.inspect", _boom)
    rc, _, err = run(capsys, "--debug", "inspect", fixtures / "export.json.gz")
    assert rc == 3
    assert "Traceback" in err and SECRET in err  # asked for: the person reads it before sharing


def test_location_is_the_innermost_bulkedit_frame() -> None:
    from bulkedit.cli.app import bug_location
    from bulkedit.paths import set_path

    with pytest.raises(IndexError) as info:
        set_path({}, (), 1)  # a real failure deep in bulkedit, called from this test
    where = bug_location(info.value.__traceback__)
    module, function, line = where.split(":")
    assert (module, function) == ("bulkedit.paths", "set_path") and int(line) > 0
    assert bug_location(None) == "unknown"


def test_input_error_stays_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, _, err = run(capsys, "inspect", tmp_path / "missing.json")
    assert rc == EXIT_USAGE and "internal error" not in err


@pytest.mark.parametrize("code", [errno.EACCES, errno.ENOSPC])
def test_permission_or_full_disk_is_not_a_bug(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fixtures: Path, code: int
) -> None:
    def denied(*_args: object, **_kwargs: object) -> None:
        raise OSError(code, "Permission denied" if code == errno.EACCES else "No space left on device", "/out/x.json")

    monkeypatch.setattr("bulkedit.inspect.inspect", denied)
    rc, _, err = run(capsys, "inspect", fixtures / "export.json.gz")
    assert rc == EXIT_USAGE
    assert "/out/x.json:" in err and "internal error" not in err


def test_a_missing_file_inside_bulkedit_is_a_bug(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fixtures: Path
) -> None:
    """What a wheel without its schemas did: FileNotFoundError is bulkedit's fault there, not the user's."""

    def missing(*_args: object, **_kwargs: object) -> None:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "/site-packages/schemas/x.json")

    monkeypatch.setattr("bulkedit.inspect.inspect", missing)
    rc, _, err = run(capsys, "inspect", fixtures / "export.json.gz")
    assert rc == 3 and "FileNotFoundError at bulkedit." in err
