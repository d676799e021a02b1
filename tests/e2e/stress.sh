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

# The stored state, from whichever metadata store ran: PostgreSQL checks its own integrity and
# foreign keys on every write; SQLite is asked.
if [ "${BERTH_E2E_META:-}" = postgres ]; then
  pg_query "SELECT digest FROM blobs" >"$WORK/q-blobs"
  pg_query "SELECT digest || ' ' || encode(payload, 'hex') FROM manifests" >"$WORK/q-manifests"
  pg_query "SELECT count(*) FROM tags t JOIN manifests m ON m.id = t.manifest_id WHERE m.repo_id != t.repo_id" >"$WORK/q-cross-tags"
  pg_query "SELECT count(*) FROM repository_blobs rb LEFT JOIN blobs b USING(digest) WHERE b.digest IS NULL" >"$WORK/q-dangling"
fi
python3 - "$BERTH_DATA" "$WORK" "${BERTH_E2E_META:-sqlite}" >"$BODY" 2>&1 <<'PY'
import hashlib, os, sqlite3, sys
data, work, engine = sys.argv[1:4]
problems = []


class PostgresDump:
    """The rows the checks below ask for, as the shell dumped them with psql."""
    def execute(self, sql):
        lines = lambda name: [l for l in open(f"{work}/{name}").read().splitlines() if l]
        if sql == "SELECT digest FROM blobs":
            return [(l,) for l in lines("q-blobs")]
        if sql == "SELECT digest, payload FROM manifests":
            return [(d, bytes.fromhex(h)) for d, h in (l.split(" ") for l in lines("q-manifests"))]
        if "m.repo_id != t.repo_id" in sql:
            return [(int(lines("q-cross-tags")[0]),)]
        return [(int(lines("q-dangling")[0]),)]


if engine == "postgres":
    db = PostgresDump()
else:
    db = sqlite3.connect(f"file:{data}/meta.db?mode=ro", uri=True)
    if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        problems.append("integrity_check failed")
    for row in db.execute("PRAGMA foreign_key_check"):
        problems.append(f"dangling reference {row}")
for (digest,) in db.execute("SELECT digest FROM blobs"):
    hexd = digest.split(":")[1]
    path = f"{data}/blobs/sha256/{hexd[:2]}/{hexd}"
    if not os.path.exists(path):
        problems.append(f"metadata names {digest} but its file is missing")
    elif hashlib.sha256(open(path, "rb").read()).hexdigest() != hexd:
        problems.append(f"{path} does not hash to its name")
for digest, payload in db.execute("SELECT digest, payload FROM manifests"):
    if "sha256:" + hashlib.sha256(payload).hexdigest() != digest:
        problems.append(f"manifest {digest} stored with other bytes")
for (n,) in db.execute("SELECT count(*) FROM tags t JOIN manifests m ON m.id = t.manifest_id "
                       "WHERE m.repo_id != t.repo_id"):
    if n:
        problems.append(f"{n} tags point into another repository")
for (n,) in db.execute("SELECT count(*) FROM repository_blobs rb LEFT JOIN blobs b USING(digest) "
                       "WHERE b.digest IS NULL"):
    if n:
        problems.append(f"{n} repository links to unknown blobs")
print("\n".join(problems) or "ok")
PY
cat "$BODY"
check "after the race the database is sound and agrees with the blob store" grep -qx ok "$BODY"
finish
