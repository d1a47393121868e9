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
printf '\nDemo outputs are in %s/\n' "$OUT"
