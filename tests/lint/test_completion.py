"""With --backup, metadata read from a sheet's leaf columns is laid over the tenant's objects."""

from __future__ import annotations

import json
from pathlib import Path

from bulkedit.cli.app import main

BACKUP_USERS = [
    {"user_id": "auth0|1", "email": "a@x.io", "email_verified": True,
     "user_metadata": {"plan": "free", "prefs": {"lang": "de", "theme": "dark"}, "zip": "02134"},
     "app_metadata": {"roles": ["admin"]},
     "identities": [{"provider": "auth0", "connection": "db", "user_id": "1"}]},
    {"user_id": "auth0|2", "email": "b@x.io", "email_verified": True,
     "user_metadata": {"plan": "pro"},
     "identities": [{"provider": "auth0", "connection": "db", "user_id": "2"}]},
]
# Auth0's CSV export: every string quoted and prefixed with ', only the leaves chosen
CSV = (
    'user_id,email,email_verified,identities[0].connection,user_metadata.plan,user_metadata.prefs.lang\n'
    '"\'auth0|1","\'a@x.io",true,"\'db","\'trial","\'fr"\n'
    '"\'auth0|2","\'b@x.io",true,"\'db","\'pro",\n'
    '"\'auth0|3","\'c@x.io",true,"\'db","\'free",\n'
)


def _files(tmp_path: Path) -> tuple[Path, Path]:
    backup = tmp_path / "export.ndjson"
    backup.write_text("".join(json.dumps(u) + "\n" for u in BACKUP_USERS))
    sheet = tmp_path / "export.csv"
    sheet.write_text(CSV)
    return backup, sheet


def test_emit_lays_sheet_leaves_over_the_backup_objects(tmp_path: Path, capsys) -> None:
    backup, sheet = _files(tmp_path)
    out = tmp_path / "out"
    assert main(["emit", str(sheet), "-o", str(out), "--backup", str(backup)]) == 0
    users = {u["email"]: u for u in json.loads((out / "db" / "chunk-0001.json").read_text())}
    assert users["a@x.io"]["user_metadata"] == {"plan": "trial", "prefs": {"lang": "fr", "theme": "dark"}, "zip": "02134"}
    assert "app_metadata" not in users["a@x.io"]  # not in the sheet: the upsert leaves it as it is
    assert "b@x.io" not in users  # its leaves equal the tenant's: the import would change nothing
    assert users["c@x.io"]["user_metadata"] == {"plan": "free"}  # a new user: nothing to complete
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["metadata_completed"], manifest["unchanged"], manifest["users"]) == (1, 1, 2)
    assert "1 user(s) completed from the backup" in capsys.readouterr().err
    assert main(["lint", str(sheet), "--backup", str(backup), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "BE801" not in data["rules"]  # nothing erased once completed
    assert data["rules"]["BE703"]["count"] == 1
    (found,) = [f for f in data["findings"] if f["code"] == "BE703"]
    assert found["message"].startswith("1 user(s) completed from the backup")


def test_without_backup_the_partial_objects_are_named(tmp_path: Path, capsys) -> None:
    _, sheet = _files(tmp_path)
    assert main(["lint", str(sheet), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "BE702" in data["rules"] and "BE703" not in data["rules"]


def test_a_typed_sheet_is_not_completed(tmp_path: Path, capsys) -> None:
    # bulkedit's own sheet holds every leaf: an emptied cell is a deletion, kept as such
    backup, _ = _files(tmp_path)
    sheet = tmp_path / "users.csv"
    assert main(["convert", str(backup), "-o", str(sheet)]) == 0
    text = sheet.read_text().replace(",dark", ",")  # empty user 1's prefs.theme
    sheet.write_text(text)
    out = tmp_path / "out"
    assert main(["emit", str(sheet), "-o", str(out), "--backup", str(backup)]) == 0
    users = {u["email"]: u for u in json.loads((out / "db" / "chunk-0001.json").read_text())}
    assert users["a@x.io"]["user_metadata"]["prefs"] == {"lang": "de"}


def test_diff_reviews_what_emit_backup_writes(tmp_path: Path, capsys) -> None:
    # an emptied leaf cell of an untyped CSV keeps the tenant's value in emit --backup: diff agrees
    backup, sheet = _files(tmp_path)
    sheet.write_text(CSV.replace(',"\'fr"', ","))  # user 1's prefs.lang emptied
    assert main(["diff", str(backup), str(sheet), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    changed = {u["key"]: [c["path"] for c in u["changes"]] for u in report["users"] if u.get("changes")}
    assert changed == {"auth0|1": ["user_metadata.plan"]}
    out = tmp_path / "out"
    assert main(["emit", str(sheet), "-o", str(out), "--backup", str(backup)]) == 0
    users = {u["email"]: u for u in json.loads((out / "db" / "chunk-0001.json").read_text())}
    assert users["a@x.io"]["user_metadata"]["prefs"] == {"lang": "de", "theme": "dark"}


def test_diff_of_an_import_file_shows_the_email_verified_reset(tmp_path: Path, capsys) -> None:
    backup, _ = _files(tmp_path)
    imp = tmp_path / "import.json"
    imp.write_text(json.dumps([{"email": "a@x.io", "user_id": "1", "given_name": "Ann"},
                               {"email": "b@x.io", "user_id": "2", "email_verified": True}]))
    assert main(["diff", str(backup), str(imp), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    changes = {u["key"]: {c["path"]: (c.get("old"), c.get("new")) for c in u["changes"]} for u in report["users"] if u.get("changes")}
    assert changes["auth0|1"]["email_verified"] == (True, False)
    assert "auth0|2" not in changes


def test_a_sheet_without_email_verified_keeps_verified_users_verified(tmp_path: Path, capsys) -> None:
    backup, _ = _files(tmp_path)
    sheet = tmp_path / "slim.csv"
    sheet.write_text('user_id,email,identities[0].connection,given_name\n"\'auth0|1","\'a@x.io","\'db","\'Ann"\n')
    out = tmp_path / "out"
    assert main(["emit", str(sheet), "-o", str(out), "--backup", str(backup)]) == 0
    (user,) = json.loads((out / "db" / "chunk-0001.json").read_text())
    assert user == {"user_id": "1", "email": "a@x.io", "given_name": "Ann", "email_verified": True}
    capsys.readouterr()
    assert main(["lint", str(sheet), "--backup", str(backup), "--format", "json"]) == 0
    assert "BE805" not in json.loads(capsys.readouterr().out)["rules"]
