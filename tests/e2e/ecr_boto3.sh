#!/usr/bin/env bash
# The ECR API with boto3 (Debian's python3-boto3): a push through the layer operations and
# PutImage pulled back with skopeo, the reverse, paginators, and SigV4 requests that must fail.
source "$(dirname "$0")/lib.sh"
berth_start
export AWS_DATA_PATH="$ROOT/tests/aws-data" AWS_CONFIG_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
if python3 "$(dirname "$0")/ecr_boto3.py" "$BERTH_URL" "$AK" "$SK" "$WORK" >"$WORK/boto3.log" 2>&1; then
  pass
else
  fail "boto3 checks"
fi
cat "$WORK/boto3.log"
finish
