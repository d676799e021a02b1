#!/usr/bin/env bash
# Concurrent clients racing over the same repositories, blobs, manifests and tags through both
# APIs (tests/e2e/stress.py), with lifecycle runs and garbage collection racing them: no 5xx (but
# the collector's clean "upload again"), nothing served that does not hash to its digest, every
# image acknowledged where nothing deletes whole afterwards, and a sound database that agrees
# with the blob store (files or S3). BERTH_STRESS_SECONDS and
# BERTH_STRESS_SEED vary it.
source "$(dirname "$0")/lib.sh"
# Lifecycle runs and garbage collection as often as they go, with a grace period shorter than a
# push: the collector races every upload, mount and manifest push.
berth_start --log-level warn --lifecycle-interval 2s --gc-interval 1s --gc-grace 1s
export AWS_DATA_PATH="$ROOT/tests/aws-data" AWS_CONFIG_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
if python3 "$(dirname "$0")/stress.py" "$BERTH_URL" "$AK" "$SK" --seconds "${BERTH_STRESS_SECONDS:-15}" \
  --seed "${BERTH_STRESS_SEED:-20261127}" \
  >"$WORK/stress.log" 2>&1; then
  pass
else
  fail "concurrent clients"
fi
cat "$WORK/stress.log"
collected=$(metric_sum berth_gc_blobs_deleted_total)
expired=$(metric_sum berth_lifecycle_images_expired_total)
echo "during the race: $collected blobs collected, $expired images expired by lifecycle policies"
check "garbage collection ran during the race" test "$collected" -gt 0
berth_stop

python3 "$ROOT/tests/e2e/stored_state.py" >"$BODY" 2>&1 || true
cat "$BODY"
check "after the race the database is sound and agrees with the blob store" grep -qx ok "$BODY"
finish
