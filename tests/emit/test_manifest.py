"""The one reader of an emit folder's manifest.json (diff, errors and lint take such folders)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulkedit.cli.app import main
from bulkedit.errors import InputError
from bulkedit.importfile.manifest import read_manifest


def _folder(tmp_path: Path, manifest: object) -> Path:
    folder = tmp_path / "out"
    (folder / "db").mkdir(parents=True)
    (folder / "db" / "chunk-0001.json").write_text('[{"email":"a@x.io"}]')
    (folder / "manifest.json").write_text(manifest if isinstance(manifest, str) else json.dumps(manifest))
    return folder


def test_chunks_with_their_connections(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"chunks": [{"file": "db/chunk-0001.json", "connection": "db"}], "users": 1})
    doc, chunks = read_manifest(folder, "hint")
    assert doc["users"] == 1
    assert [(c.path, c.file, c.connection) for c in chunks] == [(folder / "db/chunk-0001.json", "db/chunk-0001.json", "db")]


@pytest.mark.parametrize(
    ("manifest", "expect"),
    [
        ('{"chunks": [}', "manifest.json:1: malformed JSON"),
        ({"users": 3}, "no 'chunks' list"),
        ({"chunks": [{"connection": "db"}]}, "no 'chunks' list"),
        ({"chunks": [{"file": "../../etc/passwd"}]}, "outside the folder"),
    ],
)
def test_a_bad_manifest_is_named(tmp_path: Path, manifest: object, expect: str) -> None:
    with pytest.raises(InputError) as info:
        read_manifest(_folder(tmp_path, manifest), "hint")
    assert expect in info.value.render()


def test_no_manifest(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="has no manifest.json"):
        read_manifest(tmp_path, "hint")


def test_lint_refuses_a_chunk_outside_the_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path, {"chunks": [{"file": "../elsewhere.json", "connection": "db"}]})
    assert main(["lint", str(folder)]) == 2
    assert "outside the folder" in capsys.readouterr().err
