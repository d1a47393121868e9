"""The HTML report opened in a real browser (headless Chromium) shows the counts and the user list."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bulkedit.cli.app import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")

pytestmark = [
    pytest.mark.external,
    pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)"),
]


def _dump_dom(page: Path, profile: Path, fragment: str = "") -> str:
    argv = [
        str(CHROMIUM),
        "--headless",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--dump-dom",
        page.resolve().as_uri() + fragment,
    ]
    if os.geteuid() == 0:
        argv.insert(1, "--no-sandbox")
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_html_report_renders_counts_in_chromium(workdir: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    assert main(["diff", "backup.json.gz", "edited.ndjson", "--format", "html", "-o", "report.html"]) == 1
    dom = _dump_dom(workdir / "report.html", tmp_path_factory.mktemp("chromium-profile"))

    def count(ident: str) -> str:
        m = re.search(rf'id="{ident}"[^>]*>([^<]*)<', dom)
        assert m is not None, f"#{ident} not in the rendered DOM"
        return m.group(1)

    assert count("count-backup-users") == "52"
    assert count("count-candidate-users") == "52"
    assert count("count-changed") == "12"
    assert count("count-added") == "1"
    assert count("count-removed") == "1"
    assert count("count-unchanged") == "39"
    assert count("class-forbidden-users") == "3"
    assert count("shown-count") == "14"
    assert 'data-filtered="1"' in dom  # the inline script ran
    assert dom.count('class="user"') == 14
    assert "user_metadata.prefs.lang" in dom and 'class="bar' in dom
    assert "FAIL:" in dom


def test_html_filter_from_link_in_chromium(workdir: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    assert main(["diff", "backup.json.gz", "edited.ndjson", "--format", "html", "-o", "report.html"]) == 1
    dom = _dump_dom(workdir / "report.html", tmp_path_factory.mktemp("chromium-profile"), "#class=forbidden")
    m = re.search(r'id="shown-count"[^>]*>([^<]*)<', dom)
    assert m is not None and m.group(1) == "3"
    visible = re.findall(r'<div class="user"[^>]*data-class="([a-z]*)"[^>]*>', dom)
    hidden = re.findall(r'<div class="user"[^>]*style="display: none;"', dom)
    assert len(visible) == 14 and len(hidden) == 11
    dom = _dump_dom(workdir / "report.html", tmp_path_factory.mktemp("chromium-profile"), "#q=user_metadata.prefs")
    m = re.search(r'id="shown-count"[^>]*>([^<]*)<', dom)
    assert m is not None and m.group(1) == "2"
