#!/usr/bin/env bash
# kill -9 during uploads and manifest pushes, restart, and check that everything acknowledged is
# there byte for byte and that nothing half-written is visible.
source "$(dirname "$0")/lib.sh"
ROUNDS="${CRASH_ROUNDS:-5}"
CLIENTS=4
berth_start --log-level warn
mkdir -p "$WORK/payloads"
: >"$WORK/acked"

for round in $(seq 1 "$ROUNDS"); do
  pids=()
  for c in $(seq 1 $CLIENTS); do
    python3 "$(dirname "$0")/crash_client.py" "$BERTH_HOST" "$AK" "$SK" "crash/round$round/client$c" \
      "$WORK/payloads" "$WORK/acked" &
    pids+=($!)
  done
  # Each round acknowledges a few pushes before the kill, however loaded the machine is (a
  # sanitizer build of a cluster, tests running beside it: up to a minute); the kill then lands
  # at a random instant after that.
  before=$(wc -l <"$WORK/acked")
  for _ in $(seq 600); do [ "$(($(wc -l <"$WORK/acked") - before))" -ge 3 ] && break; sleep 0.1; done
  sleep "0.$((RANDOM % 5))"
  berth_kill9
  wait "${pids[@]}" || true
  berth_start --log-level warn

  # Everything acknowledged, in any round so far, is there and intact (one process, one
  # connection: hundreds of items per round).
  if python3 - "$BERTH_HOST" "$AK" "$SK" "$WORK/acked" <<'PY' >"$BODY" 2>&1; then missing=0; else missing=1; cat "$BODY" >&2; fi
import base64, http.client, sys
host, ak, sk, acked = sys.argv[1:5]
auth = "Basic " + base64.b64encode(f"{ak}:{sk}".encode()).decode()
conn = http.client.HTTPConnection(host, timeout=30)
lost = 0
for line in open(acked):
    kind, repo, *rest = line.split()
    if kind == "blob":
        digest, path = rest
        target, headers = f"/v2/{repo}/blobs/{digest}", {}
    else:
        tag, digest, path = rest
        target, headers = f"/v2/{repo}/manifests/{tag}", {"Accept": "application/vnd.oci.image.manifest.v1+json"}
    conn.request("GET", target, headers={"Authorization": auth, **headers})
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200 or body != open(path, "rb").read():
        lost += 1
        print(f"lost {kind} {repo} {rest[0]} ({resp.status})")
sys.exit(1 if lost else 0)
PY
  check "round $round: all $(wc -l <"$WORK/acked") acknowledged pushes survived kill -9" test "$missing" = 0

  # Nothing half-written: every published blob hashes to its name, and the metadata is sound
  # and refers only to blobs that exist.
  python3 "$ROOT/tests/e2e/stored_state.py" >"$BODY" 2>&1 || cat "$BODY" >&2
  check "round $round: metadata is consistent with the blob store" grep -qx ok "$BODY"
done
check "the clients got acknowledgements at all" test "$(wc -l <"$WORK/acked")" -gt 10
finish
