#!/usr/bin/env bash
# The main workflow on the sample export in fixtures/, printing what each step does.
set -euo pipefail
BULKEDIT=${BULKEDIT:-bulkedit}
OUT=demo-out
rm -rf "$OUT" && mkdir -p "$OUT"
step() { printf '\n\033[1m==> %s\033[0m\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

step "What is in the export?" $BULKEDIT inspect fixtures/export.json.gz
step "Convert the export to a JSON array" $BULKEDIT convert fixtures/export.json.gz -o $OUT/export.json
step "Read Auth0's escaped CSV export" $BULKEDIT convert fixtures/export.csv.gz -o $OUT/from-csv.ndjson
step "Read the Dashboard's renamed columns" $BULKEDIT inspect fixtures/export-dashboard.csv
# demo steps of later commands follow, one block per command
# -- edit --
step "Preview a declarative edit plan (nothing written)" $BULKEDIT edit fixtures/export.json.gz --plan fixtures/plans/example.yaml --dry-run
step "Apply it: the whole edited export, unchanged users byte for byte" $BULKEDIT edit fixtures/export.json.gz --plan fixtures/plans/example.yaml -o $OUT/edited.ndjson
# -- diff --
DIFF_CAND=$OUT/edited.ndjson
python3 - fixtures/export.json.gz "$OUT/diff-edited.ndjson" "$OUT/diff-forbidden.ndjson" <<'PY'
import gzip, json, sys
users = [json.loads(line) for line in gzip.open(sys.argv[1], "rt", encoding="utf-8") if line.strip()]
users[1]["user_metadata"]["prefs"]["lang"] = "fr"     # an ordinary change
users[2]["app_metadata"]["roles"] = []                # a risky one: roles removed
users[4]["email_verified"] = False                    # risky: true -> false
dump = lambda us: "".join(json.dumps(u, ensure_ascii=False, separators=(",", ":")) + "\n" for u in us)
open(sys.argv[2], "w", encoding="utf-8").write(dump(users))
users[6]["email"] = "someone.else@example.com"        # forbidden: upsert matches on email
open(sys.argv[3], "w", encoding="utf-8").write(dump(users))
PY
[ -f "$DIFF_CAND" ] || DIFF_CAND=$OUT/diff-edited.ndjson
step "Review the edit before upload: per user and field, old -> new" $BULKEDIT diff fixtures/export.json.gz "$DIFF_CAND" --limit 5
step "The same review as one self-contained HTML page" $BULKEDIT diff fixtures/export.json.gz "$DIFF_CAND" --format html -o $OUT/diff.html
step "A review for a pull request or ticket" $BULKEDIT diff fixtures/export.json.gz $OUT/diff-edited.ndjson --format markdown --redact -o $OUT/diff.md
step "A CI gate: a forbidden change (email) exits 1" $BULKEDIT diff fixtures/export.json.gz $OUT/diff-forbidden.ndjson --limit 1 \
  || echo "(exit $? as expected: CI stops here)"
# -- lint --
step "Lint the edited export as emit would convert it, against the tenant's backup" $BULKEDIT lint $OUT/edited.ndjson --backup fixtures/export.json.gz
printf '[{"email": "Ana@Example.com", "user_id": "auth0|62d1a1", "emial_verified": true},\n{"email": "ana@example.com", "password_hash": "$2y$10$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234"}]\n' > $OUT/broken-import.json
step "Lint a hand-made import file with mistakes (exit 1 expected)" $BULKEDIT lint $OUT/broken-import.json || echo "(lint exited $? as expected: error findings above)"
step "The same findings as SARIF for code-scanning UIs" $BULKEDIT lint $OUT/broken-import.json --format sarif -o $OUT/lint.sarif || echo "(exit $?: errors found; report in $OUT/lint.sarif)"
# -- emit --
step "Emit the edited export as import-ready chunks per connection, with rollback chunks" $BULKEDIT emit $OUT/edited.ndjson -o $OUT/chunks --backup fixtures/export.json.gz
step "Lint what emit wrote (its chunks)" $BULKEDIT lint $OUT/chunks
step "What the import-ready chunks would change (read back from emit's folder)" $BULKEDIT diff fixtures/export.json.gz $OUT/chunks --limit 3
# -- sheet --
SHEET_PY=$(dirname "$(command -v "$BULKEDIT" 2>/dev/null || echo .venv/bin/bulkedit)")/python
[ -x "$SHEET_PY" ] || SHEET_PY=.venv/bin/python
step "A spreadsheet to edit: key columns first and locked, TRUE/FALSE drop-downs, types in a hidden sheet" \
  $BULKEDIT convert fixtures/export.json.gz -o $OUT/users.xlsx
echo '$ (a person changes a name and unticks email_verified in row 3, then saves)'
"$SHEET_PY" - "$OUT/users.xlsx" <<'PY'
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1]); ws = wb["users"]
col = {c.value: c.column for c in ws[1]}
ws.cell(3, col["given_name"]).value = "Annie"
ws.cell(3, col["email_verified"]).value = False
wb.save(sys.argv[1])
PY
step "Apply the sheet: only the changed cells become edits; every other user byte for byte" \
  $BULKEDIT edit fixtures/export.json.gz --sheet $OUT/users.xlsx -o $OUT/from-sheet.ndjson
step "The same as a CSV sheet (UTF-8 with BOM, types in users.csv.bulkedit.json)" \
  $BULKEDIT convert fixtures/export.json.gz -o $OUT/users.csv
echo '$ (Excel opens the CSV, the person edits a name, Excel saves it and rewrites a date on the way)'
"$SHEET_PY" - "$OUT/users.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
col = {name: i for i, name in enumerate(rows[0])}
rows[1][col["created_at"]] = "4/11/2021 13:26"          # was 2021-04-11T13:26:20.581Z
rows[2][col["given_name"]] = "Annie"                    # the person's real edit
with open(sys.argv[1], "w", encoding="utf-8-sig", newline="") as f:
    csv.writer(f, lineterminator="\r\n").writerows(rows)
PY
step "Spreadsheet damage is refused, row and column named (exit 1, nothing written)" \
  $BULKEDIT edit fixtures/export.json.gz --sheet $OUT/users.csv -o $OUT/from-csv-sheet.ndjson \
  || echo "(exit $? as expected: fix the cells, keep the backup values with --keep-damaged, or --accept-damage date-rewritten)"
step "Keep the backup's values where the spreadsheet damaged cells; the person's edit applies" \
  $BULKEDIT edit fixtures/export.json.gz --sheet $OUT/users.csv -o $OUT/from-csv-sheet.ndjson --keep-damaged
# -- errors --
# the job-errors answers were made for the chunks and edited export in fixtures/job-errors/:
# an answer must be read with the chunks that job received
ERR_CHUNKS=fixtures/job-errors/chunks
ERR_SOURCE=fixtures/job-errors/edited.ndjson
step "Explain Auth0's job errors, map them to chunk and source record" $BULKEDIT errors fixtures/job-errors/errors-job1.json fixtures/job-errors/errors-job2.json.gz fixtures/job-errors/job-status.json --chunks "$ERR_CHUNKS" --source "$ERR_SOURCE" --limit 2
step "Retry chunks of only the users a retry can help, rebuilt from the source" $BULKEDIT errors fixtures/job-errors/errors-job1.json fixtures/job-errors/errors-job2.json.gz --chunks "$ERR_CHUNKS" --source fixtures/job-errors/edited-fixed.ndjson -o $OUT/retry --format markdown --limit 1
printf '\nDemo outputs are in %s/\n' "$OUT"
