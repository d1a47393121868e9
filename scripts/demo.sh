#!/usr/bin/env bash
# `make demo`: a short tour of the main workflow on the sample export in fixtures/.
# Each step prints one or two lines: what it did, and where its full output went.
set -euo pipefail
BULKEDIT=${BULKEDIT:-bulkedit}
OUT=demo-out
rm -rf "$OUT" && mkdir -p "$OUT"
PY=$(dirname "$(command -v "$BULKEDIT" 2>/dev/null || echo .venv/bin/bulkedit)")/python
[ -x "$PY" ] || PY=python3
N=0

# run EXPECTED_EXIT LOG COMMAND...: the command's whole output goes to $OUT/LOG; a step that
# exits otherwise than expected stops the demo with the end of that output.
run() {
  local expect=$1 log=$OUT/$2 rc=0
  shift 2
  "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" -ne "$expect" ]; then
    printf 'demo: step %s failed: `%s` exited %s (expected %s); the end of %s:\n' "$N" "$*" "$rc" "$expect" "$log" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
}
# the first line of LOG matching PATTERN (a summary the command printed), or nothing
line() { grep -m1 -E "$2" "$OUT/$1" | sed -E 's/^[[:space:]]+//' || true; }
say() { N=$((N + 1)); printf '%2d. %-8s %s\n' "$N" "$1" "$2"; [ -z "${3:-}" ] || printf '             %s\n' "$3"; }

printf 'bulkedit demo: Auth0'"'"'s bulk-update recipe on fixtures/export.json.gz (full outputs in %s/)\n\n' "$OUT"

run 0 inspect.txt $BULKEDIT inspect fixtures/export.json.gz
users=$(line inspect.txt '^users:' | sed -E 's/^users: +//')
conns=$(sed -n '/^connections:/,/^$/p' "$OUT/inspect.txt" | grep -cE '^ +[0-9,]+  ' || true)
say inspect "$users users in $conns connections; $(line inspect.txt '^duplicate emails' | sed -E 's/^duplicate emails \(case-insensitive\): (.*)/\1 duplicate email(s)/')" \
  "-> $OUT/inspect.txt (every field with its JSON types)"

run 0 edit.txt $BULKEDIT edit fixtures/export.json.gz --plan fixtures/plans/quickstart.yaml -o "$OUT/edited.ndjson"
say edit "fixtures/plans/quickstart.yaml (family names, a domain verified): $(line edit.txt '^wrote ' | sed -E 's/ to .*//')" \
  "-> $OUT/edited.ndjson, $OUT/edit.txt (each change, old -> new)"

run 0 diff.txt $BULKEDIT diff fixtures/export.json.gz "$OUT/edited.ndjson"
run 0 diff-html.txt $BULKEDIT diff fixtures/export.json.gz "$OUT/edited.ndjson" --format html -o "$OUT/review.html"
run 0 diff-md.txt $BULKEDIT diff fixtures/export.json.gz "$OUT/edited.ndjson" --format markdown --redact -o "$OUT/review.md"
say diff "$(line diff.txt 'changed, .* added'): $(line diff.txt '^(PASS|FAIL)')" \
  "-> $OUT/diff.txt, $OUT/review.html (for a browser), $OUT/review.md (redacted, for a ticket)"

"$PY" - fixtures/export.json.gz "$OUT/changed-email.ndjson" <<'PY'
import gzip, json, sys
users = [json.loads(line) for line in gzip.open(sys.argv[1], "rt", encoding="utf-8") if line.strip()]
users[6]["email"] = "someone.else@example.com"   # an upsert matches on email: this makes a new user
open(sys.argv[2], "w", encoding="utf-8").write("".join(json.dumps(u, ensure_ascii=False) + "\n" for u in users))
PY
run 1 gate.txt $BULKEDIT diff fixtures/export.json.gz "$OUT/changed-email.ndjson"
say gate "a changed email is stopped before upload (exit 1): $(line gate.txt '^FAIL' | sed -E 's/^FAIL: //; s/:.*//')" \
  "-> $OUT/gate.txt"

run 0 lint.txt $BULKEDIT lint "$OUT/edited.ndjson" --backup fixtures/export.json.gz
say lint "the edited export against the tenant's backup: $(line lint.txt ' error\(s\), ' | sed -E 's/.*: //')" "-> $OUT/lint.txt"

printf '[{"email": "Ana@Example.com", "user_id": "auth0|62d1a1", "emial_verified": true},\n{"email": "ana@example.com", "password_hash": "$2y$10$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234"}]\n' \
  >"$OUT/broken-import.json"
run 1 lint-broken.txt $BULKEDIT lint "$OUT/broken-import.json"
run 1 lint-sarif.txt $BULKEDIT lint "$OUT/broken-import.json" --format sarif -o "$OUT/lint.sarif"
say lint "a hand-made import file with mistakes (exit 1): $(line lint-broken.txt ' error\(s\), ' | sed -E 's/.*: //')" \
  "-> $OUT/lint-broken.txt, $OUT/lint.sarif (for code-scanning UIs)"

run 0 emit.txt $BULKEDIT emit "$OUT/edited.ndjson" -o "$OUT/chunks" --backup fixtures/export.json.gz
run 0 lint-chunks.txt $BULKEDIT lint "$OUT/chunks"
say emit "$(line emit.txt '^emitted ' | sed -E 's/ to .*//'), only those an import changes; $(line emit.txt '^rollback: ' | sed -E 's/ under .*//')" \
  "-> $OUT/chunks/ (manifest.json, rollback/), $OUT/emit.txt"

run 0 convert-xlsx.txt $BULKEDIT convert fixtures/export.json.gz -o "$OUT/users.xlsx"
"$PY" - "$OUT/users.xlsx" <<'PY'
import sys, openpyxl   # a person changes a name and unticks email_verified in row 3, then saves
wb = openpyxl.load_workbook(sys.argv[1]); ws = wb["users"]
col = {c.value: c.column for c in ws[1]}
ws.cell(3, col["given_name"]).value = "Annie"
ws.cell(3, col["email_verified"]).value = False
wb.save(sys.argv[1])
PY
run 0 edit-sheet.txt $BULKEDIT edit fixtures/export.json.gz --sheet "$OUT/users.xlsx" -o "$OUT/from-sheet.ndjson"
say sheet "an XLSX made for editing, two cells changed by hand: $(line edit-sheet.txt '^wrote ' | sed -E 's/ to .*//')" \
  "-> $OUT/users.xlsx, $OUT/edit-sheet.txt"

run 0 convert-csv.txt $BULKEDIT convert fixtures/export.json.gz -o "$OUT/users.csv"
"$PY" - "$OUT/users.csv" <<'PY'
import csv, sys   # Excel opens the CSV, a person edits a name, and Excel rewrites a date on saving
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
col = {name: i for i, name in enumerate(rows[0])}
rows[1][col["created_at"]] = "4/11/2021 13:26"          # was 2021-04-11T13:26:20.581Z
rows[2][col["given_name"]] = "Annie"                    # the person's real edit
with open(sys.argv[1], "w", encoding="utf-8-sig", newline="") as f:
    csv.writer(f, lineterminator="\r\n").writerows(rows)
PY
run 1 damage.txt $BULKEDIT edit fixtures/export.json.gz --sheet "$OUT/users.csv" -o "$OUT/from-csv.ndjson"
run 0 damage-kept.txt $BULKEDIT edit fixtures/export.json.gz --sheet "$OUT/users.csv" -o "$OUT/from-csv.ndjson" --keep-damaged
say damage "a date Excel rewrote in a CSV is refused by row and column (exit 1); --keep-damaged applies the rest" \
  "-> $OUT/damage.txt, $OUT/from-csv.ndjson"

run 0 errors.txt $BULKEDIT errors fixtures/job-errors/errors-job1.json fixtures/job-errors/errors-job2.json.gz \
  --chunks fixtures/job-errors/chunks --source fixtures/job-errors/edited-fixed.ndjson -o "$OUT/retry"
say errors "a job's $(line errors.txt '^failed users:' | sed -E 's/failed users: //') failed users explained and mapped back; $(line errors.txt '^retry: ' | sed -E 's/^retry: //; s/ under .*//') to retry" \
  "-> $OUT/errors.txt, $OUT/retry/"

printf '\nNext: open %s/review.html, read %s/errors.txt, and see README.md (quick start) and docs/ (every command).\n' "$OUT" "$OUT"
