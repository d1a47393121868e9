"""Every command that reads a manifest refuses an entry that is not a plain relative path inside
the folder (issue 17, group 4): exit 2, the entry named, nothing opened outside the folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bulkedit.cli.app import main
from bulkedit.errors import InputError
from bulkedit.importfile.manifest import entry_path

ROOT = Path(__file__).resolve().parents[2]
EXPORT = ROOT / "fixtures" / "export.json.gz"

HOSTILE = {
    "dotdot": "../../etc/passwd",
    "absolute": "/etc/passwd",
    "file-url": "file:///etc/passwd",
    "percent": "%2e%2e/%2e%2e/etc/passwd",
    "backslash": "..\\..\\etc\\passwd",
    "drive": "C:\\Windows\\win.ini",
    "drive-slash": "C:/Windows/win.ini",
    "nul": "Username-Password-Authentication/chunk-0001.json\x00.txt",
    "inner-dotdot": "Username-Password-Authentication/../../outside.json",
    "dot": "./Username-Password-Authentication/chunk-0001.json",
    "escape": "Username-Password-Authentication/\x1b[2Jchunk.json",
}


@pytest.fixture(scope="module")
def emitted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("emit") / "chunks"
    assert main(["emit", str(EXPORT), "-o", str(out), "--backup", str(EXPORT), "--all-users"]) in (0, 1)
    assert (out / "manifest.json").is_file()
    return out


def _planted(emitted: Path, tmp_path: Path, key: str, entry: str) -> Path:
    folder = tmp_path / "chunks"
    shutil.copytree(emitted, folder)
    doc = json.loads((folder / "manifest.json").read_text("utf-8"))
    listed = doc.setdefault(key, [])
    if listed:
        listed[0]["file"] = entry
    else:
        listed.append({"file": entry, "connection": "Username-Password-Authentication", "users": 1})
    (folder / "manifest.json").write_text(json.dumps(doc), "utf-8")
    return folder


def _command(name: str, folder: Path, tmp_path: Path) -> list[str]:
    if name == "lint":
        return ["lint", str(folder)]
    if name == "diff":
        return ["diff", str(EXPORT), str(folder)]
    answer = tmp_path / "errors.json"
    answer.write_text("[]", "utf-8")
    return ["errors", str(answer), "--chunks", str(folder)]


@pytest.mark.parametrize("command", ["lint", "diff", "errors"])
@pytest.mark.parametrize("key", ["chunks", "rollback"])
@pytest.mark.parametrize("entry", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_manifest_entry_outside_the_folder_is_refused(
    emitted: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, key: str, entry: str
) -> None:
    folder = _planted(emitted, tmp_path, key, entry)
    rc = main(_command(command, folder, tmp_path))
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "not a plain relative path" in err and "internal error" not in err
    assert "\x1b" not in err and "\x00" not in err  # named, escaped


def test_a_symlink_out_of_the_folder_is_refused(emitted: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "chunks"
    shutil.copytree(emitted, folder)
    doc = json.loads((folder / "manifest.json").read_text("utf-8"))
    outside = tmp_path / "outside.json"
    chunk = folder / doc["chunks"][0]["file"]
    outside.write_bytes(chunk.read_bytes())
    chunk.unlink()
    chunk.symlink_to(outside)
    for command in ("lint", "diff", "errors"):
        assert main(_command(command, folder, tmp_path)) == 2
        assert "leads outside the folder" in capsys.readouterr().err


def test_the_plain_paths_emit_writes_are_taken(tmp_path: Path) -> None:
    for rel in ("db/chunk-0001.json", "rollback/db/chunk-0001.json", "upsert/my_db.x-1/chunk-0002.json"):
        assert entry_path(tmp_path, rel) == tmp_path / rel
    with pytest.raises(InputError, match="plain relative path"):
        entry_path(tmp_path, "db//chunk-0001.json")
