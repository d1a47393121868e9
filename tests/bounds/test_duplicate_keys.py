"""A key twice in one JSON object is an input error in every reader (msgspec and orjson keep the last)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bulkedit.errors import InputError
from bulkedit.io import jsonio
from bulkedit.io.read import read_users

from .conftest import cli, ndjson, user

GOOD = [user(1), user(2), user(3)]
BASE = ndjson(GOOD)
U = json.dumps(user(2), separators=(",", ":"))

# (what, the second user's line with a key written twice)
DUPLICATES = [
    ("email", U.replace('"email":', '"email":"other@example.com","email":', 1), "email"),
    ("user_id", U[:-1] + ',"user_id":"auth0|ffff"}', "user_id"),
    ("blocked", U[:-1] + ',"blocked":false,"blocked":true}', "blocked"),
    ("metadata key", U.replace('"plan":"free"', '"plan":"free","plan":"pro"'), "plan"),
    ("identity key", U.replace('"provider":"auth0"', '"provider":"auth0","provider":"x"'), "provider"),
    ("spaced", U.replace('"email":', '"email" : "other@example.com", "email" :', 1), "email"),
    ("tab before colon", U.replace('"email":', '"email"\t:"other@example.com","email"\t:', 1), "email"),
]


def layouts(line: str) -> dict[str, str]:
    """The users with `line` as the second one, in each JSON layout the readers take."""
    lines = [json.dumps(GOOD[0], separators=(",", ":")), line, json.dumps(GOOD[2], separators=(",", ":"))]
    return {
        "users.ndjson": "\n".join(lines) + "\n",
        "users.json": "[\n" + ",\n".join(lines) + "\n]\n",  # one user a line (emit's chunks, convert's output)
        "pretty.json": "[\n  " + ",\n  ".join(lines).replace(',"', ',\n    "') + "\n]\n",  # users over lines
        "one-line.json": "[" + ",".join(lines) + "]",
    }


@pytest.mark.parametrize(("what", "line", "key"), DUPLICATES, ids=[d[0] for d in DUPLICATES])
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_every_json_reader_refuses_a_repeated_key(tmp_path: Path, what: str, line: str, key: str, gz: bool) -> None:
    for name, text in layouts(line).items():
        path = tmp_path / (name + (".gz" if gz else ""))
        data = text.encode()
        path.write_bytes(gzip.compress(data) if gz else data)
        with pytest.raises(InputError) as info:
            read_users(path)
        message = info.value.render()
        assert f"the key {key!r} appears twice in one JSON object" in message, (name, message)
        starts = text.count("\n", 0, text.index('{"user_id":"auth0|' + f"{2:024x}")) + 1
        assert f"{path}:{starts}:" in message, (name, message)  # named with the line the user starts on


@pytest.mark.parametrize("command", ["inspect", "lint", "convert", "emit", "edit", "diff"])
def test_every_command_refuses_a_repeated_key_with_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str) -> None:
    src = tmp_path / "export.ndjson"
    src.write_text(BASE.replace(U, DUPLICATES[0][1]))
    good = tmp_path / "good.ndjson"
    good.write_text(BASE)
    plan = tmp_path / "plan.yaml"
    plan.write_text("edits:\n  - set: {user_metadata.tier: basic}\n")
    out = tmp_path / "out"
    out.mkdir()
    args = {
        "inspect": ["inspect", src],
        "lint": ["lint", src],
        "convert": ["convert", src, "-o", out / "users.csv"],
        "emit": ["emit", src, "-o", out / "chunks"],
        "edit": ["edit", src, "--plan", plan, "-o", out / "edited.ndjson"],
        "diff": ["diff", good, src],
    }[command]
    rc, _, err = cli(capsys, *args)
    assert rc == 2, err
    assert f"{src}:2: the key 'email' appears twice in one JSON object" in err
    assert list(out.iterdir()) == []


def test_a_repeated_key_in_a_json_cell_of_a_sheet_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = tmp_path / "users.ndjson"
    src.write_text(ndjson([user(1)]))
    sheet = tmp_path / "users.csv"
    assert cli(capsys, "convert", src, "-o", sheet)[0] == 0
    text = sheet.read_text()
    assert '""provider"":""auth0""' in text  # identities: a list, kept whole in a JSON cell
    sheet.write_text(text.replace('""provider"":""auth0""', '""provider"":""auth0"",""provider"":""x""'))
    rc, _, err = cli(capsys, "inspect", sheet)
    assert rc == 2 and "the key 'provider' appears twice in one object" in err and f"{sheet}:2:" in err


def test_the_check_keeps_escaped_quotes_and_odd_spacing_apart() -> None:
    """No false alarm: a `\\":` inside a string, blank space around colons, keys differing only in escapes."""
    for text in [
        '{"email":"a\\":b@x.io","name":"x\\":"}',
        '{ "email" : "a@x.io" , "user_metadata" : { "a" : 1 , "b" : { } } }',
        '{"email":"a@x.io","user_metadata":{"\\u00e9":1,"é2":2,"a\\\\":3}}',
        '{"email":"a@x.io","user_metadata":{"x":[{"a":1},{"a":2}]}}',  # the same key in two objects
    ]:
        value = jsonio.decode(text.encode())
        jsonio.check_parsed(text.encode(), value)
        assert jsonio.loads_exact(text) == value
    with pytest.raises(jsonio.DuplicateKey):
        jsonio.check_parsed(b'{"a":{"\\u0062":1,"b":2}}', jsonio.decode(b'{"a":{"\\u0062":1,"b":2}}'))
