#!/usr/bin/env bash
# IAM and STS with boto3 (Debian's python3-boto3): iam_boto3.py.
source "$(dirname "$0")/lib.sh"
berth_start
export AWS_CONFIG_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
if python3 "$(dirname "$0")/iam_boto3.py" "$BERTH_URL" "$AK" "$SK" >"$WORK/boto3.log" 2>&1; then
  pass
else
  fail "boto3 IAM checks"
fi
cat "$WORK/boto3.log"
finish
