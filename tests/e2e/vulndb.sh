#!/usr/bin/env bash
# `berth vulndb`: OSV advisories imported from files, directories and zip archives into the
# metadata store of a serving Berth (SQLite, or the cluster's PostgreSQL), unchanged ones
# skipped, broken ones refused with their names, and the status it reports.
source "$(dirname "$0")/lib.sh"
berth_start

if [ ${#BERTH_META_ARGS[@]} -gt 0 ]; then WHERE=("${BERTH_META_ARGS[@]}"); else WHERE=(--data "$BERTH_DATA"); fi
vulndb() { "$BERTH_BIN" vulndb "$1" "${WHERE[@]}" "${@:2}"; }
osv() {  # osv ID ECOSYSTEM PACKAGE FIXED [MODIFIED]
  printf '{"id":"%s","modified":"%s","affected":[{"package":{"ecosystem":"%s","name":"%s"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"%s"}]}]}]}\n' \
    "$1" "${5:-2024-01-01T00:00:00Z}" "$2" "$3" "$4"
}

check "status before any import" sh -c "$(printf '%q ' "$BERTH_BIN" vulndb status "${WHERE[@]}") | grep -q 'no advisories imported yet'"

mkdir -p "$WORK/osv/debian" "$WORK/osv/alpine"
osv DSA-5532-1 Debian:12 openssl 3.0.11-1~deb12u2 >"$WORK/osv/debian/DSA-5532-1.json"
osv DEBIAN-CVE-2024-1 Debian:12 glibc 2.36-9+deb12u7 >"$WORK/osv/debian/DEBIAN-CVE-2024-1.json"
osv ALPINE-CVE-2024-2 Alpine:v3.19 openssl 3.1.4-r5 >"$WORK/osv/alpine/ALPINE-CVE-2024-2.json"
# OSV's per-ecosystem archives: one JSON document per advisory in a zip.
python3 - "$WORK/pypi.zip" <<'PY'
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(1200):
        doc = {"id": f"GHSA-test-{i:04d}", "modified": "2024-01-01T00:00:00Z",
               "affected": [{"package": {"ecosystem": "PyPI", "name": f"pkg{i}"},
                             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]}]}
        z.writestr(f"GHSA-test-{i:04d}.json", json.dumps(doc))
PY

vulndb import "$WORK/osv" "$WORK/pypi.zip" >"$WORK/import.out" 2>"$WORK/import.err"
check "the first import succeeds" test $? -eq 0
check "it counts every advisory as new" grep -q "imported 1203 advisories: 1203 new or changed, 0 refused; database version 1, 1203 advisories" "$WORK/import.out"

vulndb import "$WORK/osv" >"$WORK/import.out" 2>&1
check "the same advisories again change nothing" grep -q "imported 3 advisories: 0 new or changed, 0 refused; database version 1" "$WORK/import.out"

osv DSA-5532-1 Debian:12 openssl 3.0.11-1~deb12u3 2024-02-01T00:00:00Z >"$WORK/update.json"
echo '{"summary":"no id"}' >"$WORK/broken.json"
set +e
vulndb import "$WORK/update.json" "$WORK/broken.json" >"$WORK/import.out" 2>"$WORK/import.err"
rc=$?
set -e
check "a refused document makes the exit status 1" test "$rc" -eq 1
check "the refusal names the file and why" grep -q "refused $WORK/broken.json: an advisory without an id" "$WORK/import.err"
check "the update counts, and raises the version" grep -q "1 new or changed, 1 refused; database version 2, 1203 advisories" "$WORK/import.out"

vulndb status >"$WORK/status.out"
check "status names the version and count" grep -q "^version 2, 1203 advisories, updated 20" "$WORK/status.out"

set +e
vulndb import "$WORK/missing" >/dev/null 2>"$WORK/import.err"
rc=$?
set -e
check "a missing path is a failure" test "$rc" -eq 2
check "naming it" grep -q "missing: no such file or directory" "$WORK/import.err"
printf 'not a zip' >"$WORK/bad.zip"
set +e
vulndb import "$WORK/bad.zip" >/dev/null 2>&1
rc=$?
set -e
check "a broken archive is a failure" test "$rc" -eq 2

# Berth kept serving throughout.
req GET /v2/
expect_status 200 "the registry serves while advisories are imported"
finish
