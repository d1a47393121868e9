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
step "Make a spreadsheet with exact types" $BULKEDIT convert fixtures/export.json.gz -o $OUT/users.xlsx
# demo steps of later commands follow, one block per command
# -- edit --
# -- lint --
# -- emit --
# -- diff --
# -- sheet --
# -- errors --
ERR_CHUNKS=fixtures/job-errors/chunks; [ -f "$OUT/chunks/manifest.json" ] && ERR_CHUNKS=$OUT/chunks
ERR_SOURCE=fixtures/export.json.gz; [ -f "$OUT/edited.ndjson" ] && ERR_SOURCE=$OUT/edited.ndjson
step "Explain Auth0's job errors, map them to chunk and source record" $BULKEDIT errors fixtures/job-errors/errors-job1.json fixtures/job-errors/errors-job2.json.gz fixtures/job-errors/job-status.json --chunks "$ERR_CHUNKS" --source "$ERR_SOURCE" --limit 2
step "Retry chunks of only the users a retry can help, rebuilt from the source" $BULKEDIT errors fixtures/job-errors/errors-job1.json fixtures/job-errors/errors-job2.json.gz --chunks "$ERR_CHUNKS" --source fixtures/job-errors/edited-fixed.ndjson -o $OUT/retry --format markdown --limit 1
printf '\nDemo outputs are in %s/\n' "$OUT"
