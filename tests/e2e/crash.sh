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
  # Each round acknowledges something before the kill, however loaded the machine is; the kill
  # then lands at a random instant after that.
  before=$(wc -l <"$WORK/acked")
  for _ in $(seq 100); do [ "$(wc -l <"$WORK/acked")" -gt "$before" ] && break; sleep 0.1; done
  sleep "0.$((RANDOM % 8 + 2))"
  berth_kill9
  wait "${pids[@]}" || true
  berth_start --log-level warn

  # Everything acknowledged, in any round so far, is there and intact.
  missing=0
  while read -r kind repo a b c; do
    if [ "$kind" = blob ]; then
      STATUS=$(curl -s -o "$BODY" -w '%{http_code}' -u "$AK:$SK" "$BERTH_URL/v2/$repo/blobs/$a")
      if [ "$STATUS" != 200 ] || ! cmp -s "$BODY" "$b"; then missing=$((missing + 1)); echo "lost blob $repo $a ($STATUS)" >&2; fi
    else
      STATUS=$(curl -s -o "$BODY" -w '%{http_code}' -u "$AK:$SK" \
        -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$BERTH_URL/v2/$repo/manifests/$a")
      if [ "$STATUS" != 200 ] || ! cmp -s "$BODY" "$c"; then missing=$((missing + 1)); echo "lost manifest $repo $a ($STATUS)" >&2; fi
    fi
  done <"$WORK/acked"
  check "round $round: all $(wc -l <"$WORK/acked") acknowledged pushes survived kill -9" test "$missing" = 0

  # Nothing half-written: every published blob file hashes to its name, and the database is sound
  # and refers only to blobs that exist.
  bad=0
  while read -r f; do
    [ "$(sha256sum "$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || { bad=$((bad + 1)); echo "corrupt $f" >&2; }
  done < <(find "$BERTH_DATA/blobs" -type f)
  check "round $round: every blob file matches its digest" test "$bad" = 0
  python3 - "$BERTH_DATA" <<'PY' >"$BODY" 2>&1
import os, sqlite3, sys
data = sys.argv[1]
db = sqlite3.connect(f"file:{data}/meta.db?mode=ro", uri=True)
assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity_check failed"
for (digest,) in db.execute("SELECT digest FROM blobs"):
    hexd = digest.split(":")[1]
    path = f"{data}/blobs/sha256/{hexd[:2]}/{hexd}"
    assert os.path.exists(path), f"metadata names {digest} but its file is missing"
print("ok")
PY
  check "round $round: metadata is consistent with the blob store" grep -qx ok "$BODY"
done
check "the clients got acknowledgements at all" test "$(wc -l <"$WORK/acked")" -gt 10
finish
