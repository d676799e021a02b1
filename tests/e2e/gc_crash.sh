#!/usr/bin/env bash
# kill -9 while garbage collection deletes, restart: the collection resumes and finishes, every
# kept image is whole, and (on the embedded store) `berth fsck` finds the store clean.
source "$(dirname "$0")/lib.sh"
# On S3 every push and delete is a round trip to the store, and so is each deletion the collector
# makes, which then lasts long enough to be interrupted with fewer blobs.
if [ "${BERTH_E2E_BLOBS:-}" = s3 ]; then ROUNDS=2 GARBAGE=300 KEPT=100; else ROUNDS=2 GARBAGE=1500 KEPT=300; fi
ROUNDS="${GC_CRASH_ROUNDS:-$ROUNDS}"
# The grace period outlasts the longest pause a loaded machine puts between a layer's upload and its
# manifest (3 s was seen in CI), or the collector rightly takes the layer and the push fails.
FLAGS=(--log-level warn --gc-interval 1s --gc-grace 10s)
CLIENT="$(dirname "$0")/gc_client.py"
berth_start "${FLAGS[@]}"
python3 "$CLIENT" push "$BERTH_HOST" "$AK" "$SK" gc/kept 0 "$KEPT" "$WORK/kept" || fail "pushing the kept images"

deleted() { metric_sum berth_gc_blobs_deleted_total; }

for round in $(seq "$ROUNDS"); do
  : >"$WORK/garbage"
  python3 "$CLIENT" push "$BERTH_HOST" "$AK" "$SK" "gc/round$round" 0 "$GARBAGE" "$WORK/garbage" ||
    fail "round $round: pushing"
  python3 "$CLIENT" delete "$BERTH_HOST" "$AK" "$SK" "$WORK/garbage" || fail "round $round: deleting"
  cat "$WORK/garbage" >>"$WORK/all-garbage"
  # Kill as soon as the collector has begun deleting this round's bytes (batches of 500).
  start=$(deleted)
  # The newest garbage becomes collectible a grace period after its upload.
  deadline=$((SECONDS + 60))
  while [ "$(deleted)" -le "$start" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.05; done
  check "round $round: the collector was deleting when killed" test "$(deleted)" -gt "$start"
  berth_kill9
  berth_start "${FLAGS[@]}"
  check "round $round: every kept image is whole after kill -9" python3 "$CLIENT" verify "$BERTH_HOST" "$AK" "$SK" "$WORK/kept"
done

# The collections resume: every garbage layer leaves the blob store, no kept one does.
gone() { [ "$(blobstore still-stored "$WORK/all-garbage")" = 0 ]; }
for _ in $(seq 120); do gone && break; sleep 0.5; done
check "the interrupted collections finished: every garbage layer is gone" gone
check "every kept image is whole" python3 "$CLIENT" verify "$BERTH_HOST" "$AK" "$SK" "$WORK/kept"
berth_stop
python3 "$ROOT/tests/e2e/stored_state.py" >"$BODY" 2>&1 || cat "$BODY" >&2
check "the metadata agrees with the blob store" grep -qx ok "$BODY"
if [ "$BERTH_NODES" = 1 ] && [ "${BERTH_E2E_BLOBS:-}" != s3 ]; then
  rc=0
  "$BERTH_BIN" fsck --data "$BERTH_DATA" >"$WORK/fsck.txt" 2>&1 || rc=$?
  check "berth fsck: clean ($(tail -1 "$WORK/fsck.txt"))" test "$rc" = 0
fi
finish
