"""bulkedit as a user gets it: built into a wheel and an sdist, installed into a fresh
virtualenv, run from a folder that is not the source tree.

Every other test runs on the editable install `make setup` makes, which reads files
straight from the source tree; this one catches what only a real install shows (data
files missing from the wheel, code that finds them through the source layout). The
wheel is built from the sdist (`python -m build`'s default), so a file the sdist
forgets fails here too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# what a clone holds that is not part of the project (the copy to build from leaves it out)
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.pyc", "build", "dist", "*.egg-info", "bench", "demo-out", ".*_cache", ".hypothesis"
)
SCHEMAS = sorted(p.name for p in (ROOT / "schemas").glob("*.json"))


@dataclass(frozen=True)
class Installed:
    wheel: Path
    sdist: Path
    venv: Path
    work: Path  # a folder outside the source tree, holding a copy of fixtures/
    env: dict[str, str]

    def run(self, *args: str | Path, expect: int = 0) -> subprocess.CompletedProcess[str]:
        """The installed `bulkedit ARGS`, in `work`; fails unless it exits `expect`."""
        proc = subprocess.run(
            ["bulkedit", *map(str, args)], cwd=self.work, env=self.env, capture_output=True, text=True, timeout=600
        )
        assert proc.returncode == expect, f"bulkedit {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr}"
        assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        return proc

    def python(self, code: str, *args: str | Path) -> str:
        proc = subprocess.run(
            [str(self.venv / "bin" / "python"), "-c", code, *map(str, args)],
            cwd=self.work, env=self.env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return proc.stdout


def _check(argv: list[str], **kwargs: object) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=900, **kwargs)  # type: ignore[call-overload]
    assert proc.returncode == 0, f"{' '.join(argv)} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    base = tmp_path_factory.mktemp("install")
    src, dist, venv, work = base / "src", base / "dist", base / "venv", base / "work"
    shutil.copytree(ROOT, src, ignore=NOT_SOURCE)
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    # sdist, then the wheel built from that sdist
    _check([sys.executable, "-m", "build", "--outdir", str(dist), str(src)], env=clean_env)
    shutil.rmtree(src)  # the install below cannot fall back on a source tree
    (wheel,) = dist.glob("bulkedit-*.whl")
    (sdist,) = dist.glob("bulkedit-*.tar.gz")
    _check([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    # this interpreter's pip installs into the new environment (quicker than a pip of its own)
    _check([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet", str(wheel)], env=clean_env)
    shutil.copytree(ROOT / "fixtures", work / "fixtures", ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    env = {**clean_env, "PATH": f"{venv / 'bin'}{os.pathsep}{clean_env.get('PATH', '')}"}
    yield Installed(wheel, sdist, venv, work, env)


def test_wheel_holds_everything_read_at_run_time(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for schema in SCHEMAS:
        assert f"bulkedit/schemas/{schema}" in names
    assert "bulkedit/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    # no module of the source tree is left out (a package the build's package list missed)
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "bulkedit").rglob("*.py")}
    assert modules <= names, sorted(modules - names)


def test_sdist_holds_the_schemas_and_license(installed: Installed) -> None:
    with tarfile.open(installed.sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {f"schemas/{s}" for s in SCHEMAS} <= names
    assert {"LICENSE", "pyproject.toml", "setup.py", "schemas/__init__.py"} <= names


def test_runs_from_the_virtualenv_not_the_source_tree(installed: Installed) -> None:
    where = Path(installed.python("import bulkedit; print(bulkedit.__file__)").strip())
    assert where.is_relative_to(installed.venv) and "site-packages" in where.parts
    assert shutil.which("bulkedit", path=installed.env["PATH"]) == str(installed.venv / "bin" / "bulkedit")
    assert installed.run("--version").stdout.startswith("bulkedit ")


def test_whole_workflow_with_the_installed_command(installed: Installed) -> None:
    run, fx = installed.run, Path("fixtures")
    export = fx / "export.json.gz"

    assert "users:   52" in run("inspect", export).stdout

    # to a spreadsheet and back: the same users
    run("convert", export, "-o", "users.xlsx")
    run("convert", "users.xlsx", "-o", "back.ndjson")
    same = json.loads(run("diff", export, "back.ndjson", "--format", "json").stdout)["counts"]
    assert (same["changed"], same["added"], same["removed"]) == (0, 0, 0)

    # a declarative plan (validated against the edit-plan schema)
    run("edit", export, "--plan", fx / "plans" / "example.yaml", "-o", "edited.ndjson")
    assert (installed.work / "edited.ndjson").stat().st_size > 0

    # a person edits the sheet; the edit is read back against the export
    installed.python(
        "import sys, openpyxl\n"
        "wb = openpyxl.load_workbook(sys.argv[1]); ws = wb['users']\n"
        "col = {c.value: c.column for c in ws[1]}\n"
        "ws.cell(3, col['given_name']).value = 'Annie'\n"
        "wb.save(sys.argv[1])\n",
        "users.xlsx",
    )
    run("edit", export, "--sheet", "users.xlsx", "-o", "from-sheet.ndjson")
    sheet = json.loads(run("diff", export, "from-sheet.ndjson", "--format", "json").stdout)["counts"]
    assert sheet["changed"] == 1

    run("diff", export, "edited.ndjson", "--format", "html", "-o", "diff.html")
    assert (installed.work / "diff.html").read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")

    # lint (the import schema) and lint against the tenant's backup
    assert "0 error(s)" in run("lint", "edited.ndjson").stdout
    assert "0 error(s)" in run("lint", "edited.ndjson", "--backup", export).stdout

    run("emit", "edited.ndjson", "-o", "chunks", "--backup", export)
    manifest = json.loads((installed.work / "chunks" / "manifest.json").read_text())
    assert manifest["chunks"] and (installed.work / "chunks" / "rollback").is_dir()
    run("lint", "chunks")

    jobs = fx / "job-errors"
    report = run(
        "errors", jobs / "errors-job1.json", jobs / "errors-job2.json.gz", "--chunks", jobs / "chunks",
        "--source", jobs / "edited-fixed.ndjson", "-o", "retry",
    ).stdout  # fmt: skip
    assert report.strip()
    assert (installed.work / "retry" / "manifest.json").is_file()


def test_python_dash_m_runs_too(installed: Installed) -> None:
    proc = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-m", "bulkedit", "--version"],
        cwd=installed.work, env=installed.env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stdout.startswith("bulkedit ")
