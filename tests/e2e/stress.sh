#!/usr/bin/env bash
# Concurrent clients racing over the same repositories, blobs, manifests and tags through both
# APIs (tests/e2e/stress.py): no 5xx, nothing served that does not hash to its digest, and
# afterwards a sound database that agrees with the blob store. BERTH_STRESS_SECONDS and
# BERTH_STRESS_SEED vary it.
source "$(dirname "$0")/lib.sh"
berth_start --log-level warn
export AWS_DATA_PATH="$ROOT/tests/aws-data" AWS_CONFIG_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
if python3 "$(dirname "$0")/stress.py" "$BERTH_URL" "$AK" "$SK" --seconds "${BERTH_STRESS_SECONDS:-15}" \
  --seed "${BERTH_STRESS_SEED:-20261127}" \
  >"$WORK/stress.log" 2>&1; then
  pass
else
  fail "concurrent clients"
fi
cat "$WORK/stress.log"
berth_stop

# The stored state, from whichever metadata store ran, asked the same questions: PostgreSQL
# checks its own integrity and foreign keys on every write; SQLite is asked for them too.
python3 - "$BERTH_DATA" "${BERTH_E2E_META:-sqlite}" "${PG_URI:-}" "${PG_SCHEMA:-}" >"$BODY" 2>&1 <<'PY'
import hashlib, os, sqlite3, subprocess, sys
data, engine, pg_uri, pg_schema = sys.argv[1:5]
problems = []


def psql(sql):
    out = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", pg_uri, "-c", sql],
                         env={**os.environ, "PGOPTIONS": f"-c search_path={pg_schema}"},
                         check=True, capture_output=True, text=True).stdout
    # psql prints bytea as \x<hex>
    return [tuple(bytes.fromhex(f[2:]) if f.startswith("\\x") else f for f in line.split("\t"))
            for line in out.splitlines() if line]


if engine == "postgres":
    query = psql
else:
    db = sqlite3.connect(f"file:{data}/meta.db?mode=ro", uri=True)
    query = lambda sql: db.execute(sql).fetchall()
    if query("PRAGMA integrity_check")[0][0] != "ok":
        problems.append("integrity_check failed")
    for row in query("PRAGMA foreign_key_check"):
        problems.append(f"dangling reference {row}")
for (digest,) in query("SELECT digest FROM blobs"):
    hexd = digest.split(":")[1]
    path = f"{data}/blobs/sha256/{hexd[:2]}/{hexd}"
    if not os.path.exists(path):
        problems.append(f"metadata names {digest} but its file is missing")
    elif hashlib.sha256(open(path, "rb").read()).hexdigest() != hexd:
        problems.append(f"{path} does not hash to its name")
for digest, payload in query("SELECT digest, payload FROM manifests"):
    if "sha256:" + hashlib.sha256(payload).hexdigest() != digest:
        problems.append(f"manifest {digest} stored with other bytes")
for (n,) in query("SELECT count(*) FROM tags t JOIN manifests m ON m.id = t.manifest_id "
                  "WHERE m.repo_id != t.repo_id"):
    if int(n):
        problems.append(f"{n} tags point into another repository")
for (n,) in query("SELECT count(*) FROM repository_blobs rb LEFT JOIN blobs b USING(digest) "
                  "WHERE b.digest IS NULL"):
    if int(n):
        problems.append(f"{n} repository links to unknown blobs")
print("\n".join(problems) or "ok")
PY
cat "$BODY"
check "after the race the database is sound and agrees with the blob store" grep -qx ok "$BODY"
finish
