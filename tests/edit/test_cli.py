"""`bulkedit edit` through the CLI: refusals, warnings, plan errors, outputs, dry run."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest

from bulkedit.cli.app import main
from bulkedit.io.read import read_users

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
EXPORT = FIXTURES / "export.json.gz"
EXAMPLE = FIXTURES / "plans" / "example.yaml"

USERS = [
    {
        "user_id": "auth0|1",
        "email": "a@x.com",
        "username": "ann",
        "blocked": False,
        "identities": [{"connection": "Username-Password-Authentication", "provider": "auth0"}],
        "user_metadata": {"tier": "free", "keep": {"deep": [1, 2]}},
        "app_metadata": {"plan": "trial"},
    },
    {
        "user_id": "auth0|2",
        "email": "b@x.com",
        "identities": [{"connection": "legacy-db", "provider": "auth0"}],
        "app_metadata": {"plan": "pro"},
    },
]


def _export(tmp: Path, users: list[dict[str, Any]] = USERS) -> Path:
    path = tmp / "export.ndjson"
    path.write_text("".join(json.dumps(u) + "\n" for u in users), encoding="utf-8")
    return path


def _plan(tmp: Path, text: str, name: str = "plan.yaml") -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: Any) -> tuple[int, str, str]:
    rc = main(["edit", *map(str, args)])
    out, err = capsys.readouterr()
    return rc, out, err


# -- refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "code", "path"),
    [
        ("set: {email: new@x.com}", "change-email", "email"),
        ("set: {user_id: 'auth0|9'}", "change-user_id", "user_id"),
        ("set: {'identities[0].connection': other-db}", "change-connection", "identities[0].connection"),
        ("set: {Connection: other-db}", "change-connection", "identities[0].connection"),
        ("unset: identities", "change-connection", "identities[0].connection"),
        ("set: {blocked: true}", "change-blocked", "blocked"),
        ("unset: blocked", "change-blocked", "blocked"),
        ("rename: {email: user_metadata.old_email}", "change-email", "email"),
        ("template: {email: '{username}@y.com'}", "change-email", "email"),
    ],
)
def test_forbidden_changes_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], step: str, code: str, path: str) -> None:
    src = _export(tmp_path)
    before = src.read_bytes()
    plan = _plan(tmp_path, f"edits:\n  - where: {{user_id: 'auth0|1'}}\n    {step}\n  - set: {{nickname: n}}\n")
    out = tmp_path / "out.ndjson"
    rc, stdout, err = run(capsys, src, "--plan", plan, "-o", out)
    assert rc == 1
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left
    assert src.read_bytes() == before
    assert f"{src}:1: {code} [auth0|1] {path}:" in stdout
    assert "refused" in err and "nothing written" in err


def test_refusals_name_every_user_by_email(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _export(tmp_path)
    plan = _plan(tmp_path, "edits:\n  - set: {blocked: true}\n")
    rc, stdout, _ = run(capsys, src, "--plan", plan, "-o", tmp_path / "o.ndjson", "--key", "email", "--format", "json")
    assert rc == 1
    data = json.loads(stdout)
    assert data["refused"] and not data["written"]
    assert [(r["where"], r["key"]) for r in data["refusals"]] == [(f"{src}:1", "a@x.com"), (f"{src}:2", "b@x.com")]
    assert data["users"]["refused"] == 2


def test_setting_a_guarded_field_to_its_own_value_is_no_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _export(tmp_path)
    plan = _plan(tmp_path, "edits:\n  - where: {user_id: 'auth0|1'}\n    set: {email: a@x.com, blocked: false}\n")
    rc, _, _ = run(capsys, src, "--plan", plan, "-o", tmp_path / "o.ndjson")
    assert rc == 0
    assert (tmp_path / "o.ndjson").read_bytes() == src.read_bytes()


def test_dry_run_reports_refusals_with_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _export(tmp_path)
    plan = _plan(tmp_path, "edits:\n  - set: {email: z@x.com}\n")
    rc, stdout, _ = run(capsys, src, "--plan", plan, "--dry-run")
    assert rc == 1
    assert "change-email" in stdout


# -- warnings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "code"),
    [
        ("set: {username: bob}", "username-ignored"),
        ("set: {password_hash: '$2b$10$abcdefghijklmnopqrstuv'}", "password_hash-ignored"),
        ("set: {app_metadata.email: x@y.com}", "reserved-app_metadata-key"),
        ("merge: {app_metadata: {blocked: true}}", "reserved-app_metadata-key"),
        ("set: {logins_count: 0}", "logins_count-not-imported"),
    ],
)
def test_warnings_are_counted_and_the_edit_written(tmp_path: Path, capsys: pytest.CaptureFixture[str], step: str, code: str) -> None:
    src = _export(tmp_path)
    plan = _plan(tmp_path, f"edits:\n  - {step}\n")
    out = tmp_path / "out.ndjson"
    rc, stdout, _ = run(capsys, src, "--plan", plan, "-o", out, "--format", "json")
    assert rc == 0
    data = json.loads(stdout)
    assert data["warning_counts"] == {code: 2}
    assert data["written"] and out.exists()
    if code == "password_hash-ignored":
        assert (os.stat(out).st_mode & 0o777) == 0o600  # a file with hashes is private


def test_step_that_selects_nobody_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _export(tmp_path)
    plan = _plan(tmp_path, "edits:\n  - set: {nickname: n}\n  - where: {email: nobody@x.com}\n    set: {nickname: m}\n")
    rc, stdout, _ = run(capsys, src, "--plan", plan, "-o", tmp_path / "o.ndjson")
    assert rc == 0
    assert f"{plan}:3: step-selected-none" in stdout


def test_unknown_top_level_field_is_a_warning_with_a_suggestion(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _export(tmp_path)
    plan = _plan(tmp_path, "edits:\n  - where: {emial: a@x.com}\n    set: {user_metadata.tier: x}\n")
    rc, stdout, _ = run(capsys, src, "--plan", plan, "--dry-run")
    assert rc == 0
    assert f"{plan}:2: unknown-field ('emial' is not an Auth0 user field: did you mean 'email'?" in stdout


# -- plan errors ---------------------------------------------------------------------


PLAN_ERRORS = [
    ("edits:\n  - set: {a: 1}\n  - sett: {family_name: Smith}\n", 3, "step 2 (edits[1]).sett: unknown step key 'sett' (did you mean 'set'?)"),
    ("edits:\n  - where:\n      email: {startwith: a}\n    set: {a: 1}\n", 3, "unknown operator 'startwith' (did you mean 'startswith'?)"),
    ("edits:\n  - where: {email: a}\n", 2, "step 1 (edits[0]): the step does nothing"),
    ("edits:\n  - set: {user_metadata..tier: 1}\n", 2, "malformed path: empty segment"),
    ("edits:\n  - where: {'a[': 1}\n    set: {b: 1}\n", 2, "malformed path"),
    ("edits:\n  - where: {email: {matches: '(['}}\n    set: {b: 1}\n", 2, "bad regular expression"),
    ("edits:\n  - where: {email: {in_file: missing.txt}}\n    set: {b: 1}\n", 2, "missing.txt does not exist"),
    ("edits:\n  - template: {name: '{given_name'}\n", 2, "bad template"),
    ("edits:\n  - template: {name: {format: '{a}', defualt: x}}\n", 2, "unknown template option 'defualt' (did you mean 'default'?)"),
    ("edits:\n  - where: {email: {in_file: {path: a.txt, colum: x}}}\n    set: {b: 1}\n", 2, "unknown in_file option 'colum' (did you mean 'column'?)"),
    ("edits:\n  - set: [a, b]\n", 2, "set must be a mapping of paths, not a list"),
    ("edits:\n  - rename: {a: a}\n", 2, "renames 'a' to itself"),
    ("edits:\n  - where: {email: {gt: true}}\n    set: {b: 1}\n", 2, "gt"),
    ("edits:\n  - set: {a: 1\n", 3, "not valid YAML"),
    ("edit:\n  - set: {a: 1}\n", 1, "unknown top-level key 'edit' (did you mean 'edits'?)"),
    ("edits:\n  - set: {a: 1}\n    set: {b: 2}\n", 3, "appears twice"),
    ("", None, "the plan is empty"),
    ("- 1\n", 1, "step 1 (edits[0]): a step must be a mapping"),
    ("edits:\n  - where: {email: {}}\n    set: {b: 1}\n", 2, "an empty mapping selects nothing"),
    ("edits:\n  - where: {email: {ignore_case: true}}\n    set: {b: 1}\n", 2, "ignore_case alone selects nothing"),
]


@pytest.mark.parametrize(("text", "line", "message"), PLAN_ERRORS, ids=[m[:40] for _, _, m in PLAN_ERRORS])
def test_plan_errors_name_file_line_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: int | None, message: str) -> None:
    src = _export(tmp_path)
    plan = _plan(tmp_path, text)
    out = tmp_path / "out.ndjson"
    rc, stdout, err = run(capsys, src, "--plan", plan, "-o", out)
    assert rc == 2
    assert not out.exists()
    assert stdout == ""
    where = f"{plan}:{line}" if line is not None else f"{plan}"
    assert f"{where}: " in err
    assert message in err
    assert "Traceback" not in err


def test_json_plan_errors_have_lines_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _export(tmp_path)
    plan = _plan(tmp_path, '{\n  "edits": [\n    {"set": {"a": 1}},\n    {"unsett": ["a"]}\n  ]\n}\n', "plan.json")
    rc, _, err = run(capsys, src, "--plan", plan, "-o", tmp_path / "o.ndjson")
    assert rc == 2
    assert f"{plan}:4: step 2 (edits[1]).unsett: unknown step key 'unsett' (did you mean 'unset'?)" in err
    broken = _plan(tmp_path, '{"edits": [\n  {"set": {"a": 1}\n]}', "broken.json")
    rc, _, err = run(capsys, src, "--plan", broken, "-o", tmp_path / "o.ndjson")
    assert rc == 2 and f"{broken}:3: not valid JSON" in err


def test_every_problem_of_a_plan_is_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _export(tmp_path)
    # the schema's problems, all of them
    plan = _plan(tmp_path, "edits:\n  - sett: {a: 1}\n  - set: {b: 1}\n  - where: {x: {matchs: '('}}\n    set: {a: 1}\n")
    rc, _, err = run(capsys, src, "--plan", plan, "-o", tmp_path / "o.ndjson")
    assert rc == 2
    assert f"{plan}:2:" in err and f"{plan}:4:" in err and f"{plan}:3:" not in err
    # then (for a plan that fits the schema) every path, regex and file problem
    plan = _plan(tmp_path, "edits:\n  - set: {user_metadata.a: 1}\n  - set: {b..c: 1}\n  - where: {x: {matches: '('}}\n    set: {user_metadata.a: 1}\n")
    rc, _, err = run(capsys, src, "--plan", plan, "-o", tmp_path / "o.ndjson")
    assert rc == 2
    assert f"{plan}:3:" in err and f"{plan}:4:" in err and f"{plan}:2:" not in err


def test_plan_is_checked_before_the_input_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = _plan(tmp_path, "edits:\n  - sett: {a: 1}\n")
    rc, _, err = run(capsys, tmp_path / "does-not-exist.ndjson", "--plan", plan, "-o", tmp_path / "o.ndjson")
    assert rc == 2 and "unknown step key 'sett'" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "use --plan"),
        (["--plan", "PLAN"], "use -o OUT"),
        (["--plan", "PLAN", "-o", "out.weird"], "cannot tell the output format"),
        (["--plan", "nope.yaml", "-o", "out.ndjson"], "nope.yaml does not exist"),
    ],
)
def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    src = _export(tmp_path)
    plan = _plan(tmp_path, "edits:\n  - set: {a: 1}\n")
    args = [str(plan) if a == "PLAN" else (str(tmp_path / a) if a.startswith(("out", "nope")) else a) for a in args]
    rc, _, err = run(capsys, src, *args)
    assert rc == 2
    assert message in err


def test_output_may_not_be_the_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _export(tmp_path)
    before = src.read_bytes()
    plan = _plan(tmp_path, "edits:\n  - set: {user_metadata.a: 1}\n")
    rc, _, err = run(capsys, src, "--plan", plan, "-o", src)
    assert rc == 2 and "is the input file" in err
    assert src.read_bytes() == before


# -- outputs -------------------------------------------------------------------------


def test_example_plan_on_the_fixture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "edited.ndjson"
    rc, stdout, _ = run(capsys, EXPORT, "--plan", EXAMPLE, "-o", out, "--format", "json")
    assert rc == 0
    data = json.loads(stdout)
    before, after = read_users(EXPORT), read_users(out)
    assert len(after) == len(before) == data["users"]["read"] == 52
    assert [u["user_id"] for u in after] == [u["user_id"] for u in before]  # input order kept
    assert all(u["email_verified"] is True for u in after)
    assert [u["family_name"] for u in after if u["email"] == "user2.cc9a@mail.example.net"] == ["Smith"]
    assert data["fields"]["family_name"] == 1
    changed = 0
    for old, new in zip(before, after, strict=True):
        plan = (old.get("app_metadata") or {}).get("plan")
        if plan in ("free", "trial"):
            assert new["user_metadata"]["tier"] == "basic"
            # metadata stays whole: every other key exactly as it was
            rest = {k: v for k, v in new["user_metadata"].items() if k not in ("tier",)}
            want = {k: v for k, v in (old.get("user_metadata") or {}).items() if k != "legacy_id"}
            assert rest == want
        else:
            assert new.get("user_metadata") == old.get("user_metadata")
        changed += old != new
    assert changed == data["users"]["changed"]
    assert data["steps"][0]["selected"] == 1


def test_unchanged_users_are_copied_byte_for_byte(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = gzip.decompress(EXPORT.read_bytes()).splitlines()
    out = tmp_path / "edited.ndjson"
    plan = _plan(tmp_path, "edits:\n  - where: {email: user2.cc9a@mail.example.net}\n    set: {family_name: Smith}\n")
    rc, _, _ = run(capsys, EXPORT, "--plan", plan, "-o", out)
    assert rc == 0
    lines = out.read_bytes().splitlines()
    assert len(lines) == len(raw)
    diff = [i for i, (a, b) in enumerate(zip(raw, lines, strict=True)) if a != b]
    assert diff == [2]
    assert lines[2] == raw[2].replace(b'"family_name":"Haddad"', b'"family_name":"Smith"')


def test_dry_run_writes_nothing_and_json_equals_to_dict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bulkedit.edit.apply import apply_edits
    from bulkedit.edit.plan import load_plan
    from bulkedit.io.read import open_source

    out = tmp_path / "edited.ndjson"
    rc, stdout, _ = run(capsys, EXPORT, "--plan", EXAMPLE, "-o", out, "--dry-run", "--format", "json")
    assert rc == 0 and not out.exists()
    lib = apply_edits(open_source(EXPORT), load_plan(EXAMPLE), None, dry_run=True).to_dict()
    assert json.loads(stdout) == json.loads(json.dumps(lib))
    assert lib["users"]["changed"] == 28 and lib["written"] is False


def test_text_report_lists_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, stdout, _ = run(capsys, EXPORT, "--plan", EXAMPLE, "--dry-run", "--show", "3")
    assert rc == 0
    assert 'family_name: "Haddad" -> "Smith"' in stdout
    assert "first 3 of" in stdout
    assert "dry run: 28 of 52 users would change; nothing written" in stdout


@pytest.mark.parametrize("suffix", [".json", ".csv", ".xlsx", ".ndjson"])
def test_output_formats_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str) -> None:
    out = tmp_path / f"edited{suffix}"
    rc, _, _ = run(capsys, EXPORT, "--plan", EXAMPLE, "-o", out)
    assert rc == 0
    ref = tmp_path / "ref.ndjson"
    assert main(["edit", str(EXPORT), "--plan", str(EXAMPLE), "-o", str(ref)]) == 0
    assert read_users(out) == read_users(ref)


def test_dashboard_csv_input_with_dashboard_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = FIXTURES / "export-dashboard.csv"
    users = read_users(src)
    email = users[0]["email"]
    plan = _plan(tmp_path, f"edits:\n  - where: {{Email: '{email}'}}\n    set: {{Family Name: Smith}}\n")
    out = tmp_path / "edited.ndjson"
    rc, stdout, _ = run(capsys, src, "--plan", plan, "-o", out, "--format", "json")
    assert rc == 0, stdout
    after = read_users(out)
    assert after[0]["family_name"] == "Smith"
    assert after[1:] == users[1:]


@pytest.mark.parametrize("wrong", ["export.json.gz", "users.xlsx"])
def test_an_export_or_a_sheet_given_as_the_plan_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str], wrong: str) -> None:
    src = _export(tmp_path)
    target = tmp_path / wrong
    if wrong.endswith(".gz"):
        target.write_bytes(gzip.compress(src.read_bytes()))
    else:
        assert main(["convert", str(src), "-o", str(target)]) == 0
    capsys.readouterr()
    plan = _plan(tmp_path, "edits:\n  - set: {family_name: X}\n")
    rc = main(["edit", str(plan), "--plan", str(target), "-o", str(tmp_path / "out.ndjson")])
    assert rc == 2
    assert "not an edit plan" in capsys.readouterr().err
