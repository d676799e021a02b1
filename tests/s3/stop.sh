#!/usr/bin/env bash
# Stops the S3 store that tests/s3/start.sh started for STATE and removes its files.
set -uo pipefail
STATE=$1
DIR=$(cat "$STATE/dir" 2>/dev/null) || exit 0
case "$DIR" in
  /tmp/berth-s3.*) "$(dirname "$0")/swift-stop.sh" "$DIR/swift" >/dev/null 2>&1; rm -rf "$DIR" ;;
esac
rm -rf "$STATE"
