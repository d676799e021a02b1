#!/usr/bin/env bash
# Seeded hostile input for /v2/ and the ECR API (tests/e2e/fuzz.py): no request may get a 5xx or
# hang the server, and it must serve afterwards. BERTH_FUZZ_SEED / BERTH_FUZZ_REQUESTS vary it.
source "$(dirname "$0")/lib.sh"
berth_start --idle-timeout 5 --io-timeout 5
export AWS_DATA_PATH="$ROOT/tests/aws-data" AWS_CONFIG_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
if python3 "$(dirname "$0")/fuzz.py" "$BERTH_URL" "$AK" "$SK" --seed "${BERTH_FUZZ_SEED:-20261127}" \
  --requests "${BERTH_FUZZ_REQUESTS:-3000}" >"$WORK/fuzz.log" 2>&1; then
  pass
else
  fail "fuzzed requests"
fi
cat "$WORK/fuzz.log"
req GET /v2/
expect_status 200 "berth serves after the fuzzing"
finish
