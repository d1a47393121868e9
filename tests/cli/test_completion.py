"""Shell completion: the script for a named shell, its installation, and what it completes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import run


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -o default -F _bulkedit_completion bulkedit"), ("zsh", "#compdef bulkedit"), ("fish", "complete --command bulkedit")])
def test_show_completion_for_a_named_shell(capsys: pytest.CaptureFixture[str], shell: str, marker: str) -> None:
    rc, out, _ = run(capsys, "--show-completion", shell)
    assert rc == 0
    assert marker in out and "_BULKEDIT_COMPLETE" in out


def test_root_help_offers_completion(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "--help")
    assert rc == 0 and "--install-completion" in out and "--show-completion" in out


def test_install_completion_for_bash_writes_to_home(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    rc, out, _ = run(capsys, "--install-completion", "bash")
    assert rc == 0 and "bash completion installed" in out
    script = tmp_path / ".bash_completions" / "bulkedit.sh"
    assert "_BULKEDIT_COMPLETE" in script.read_text()
    assert str(script) in (tmp_path / ".bashrc").read_text()


def _complete(words: str, cword: int) -> list[str]:
    """What bash completion asks `bulkedit` for, as the installed script does."""
    env = {**os.environ, "_BULKEDIT_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    proc = subprocess.run([sys.executable, "-m", "bulkedit"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_completes_commands_options_and_choices() -> None:
    assert _complete("bulkedit li", 1) == ["lint"]
    assert "--backup" in _complete("bulkedit lint --", 2)
    assert _complete("bulkedit lint x.json --format ", 4) == ["text", "json", "sarif", "github"]
