#!/usr/bin/env bash
# Starts a throwaway S3-compatible store for the tests: OpenStack Swift with its s3api
# middleware (Debian's swift packages), on free loopback ports, with one bucket, and writes
# what a client needs to STATE/env as shell assignments:
#   S3_ENDPOINT S3_ACCESS_KEY S3_SECRET_KEY S3_REGION S3_BUCKET
# and the same as a Berth config file (STATE/berth.conf: AWS_ENDPOINT_URL_S3 and the keys), to
# pass with --config beside --blobs s3://$S3_BUCKET/PREFIX.
# The store's files live in a new directory under /tmp (STATE/dir names it); stop.sh removes it.
#
# usage: tests/s3/start.sh STATE
set -euo pipefail
STATE=$1
HERE=$(cd "$(dirname "$0")" && pwd)
"$HERE/stop.sh" "$STATE" 2>/dev/null || true
mkdir -p "$STATE"
DIR=$(mktemp -d /tmp/berth-s3.XXXXXX)
echo "$DIR" >"$STATE/dir"
# Swift needs PORT..PORT+4 (and PORT+9 for its syslog copy): find a free run of them.
PORT=$(python3 - <<'PY'
import random, socket
for _ in range(200):
    base = random.randrange(20000, 60000, 10)
    try:
        socks = []
        for p in (0, 1, 2, 3, 4, 9):
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", base + p)); socks.append(s)
        print(base); break
    except OSError:
        pass
    finally:
        for s in socks: s.close()
PY
)
"$HERE/swift-start.sh" "$DIR/swift" "$PORT" >"$STATE/env" 2>"$STATE/start.log" ||
  { cat "$STATE/start.log" >&2; exit 1; }
. "$STATE/env"
BUCKET=berth-test
ACCOUNT=${S3_ACCESS_KEY%%:*} USERNAME=${S3_ACCESS_KEY#*:}
EMPTY_SHA=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
code=$(curl -s -o "$STATE/bucket.log" -w '%{http_code}' -X PUT --aws-sigv4 "aws:amz:$S3_REGION:s3" \
  -H "x-amz-content-sha256: $EMPTY_SHA" \
  "http://$ACCOUNT%3A$USERNAME:$S3_SECRET_KEY@${S3_ENDPOINT#http://}/$BUCKET")
[ "$code" = 200 ] || { echo "s3: creating bucket $BUCKET: HTTP $code" >&2; cat "$STATE/bucket.log" >&2; exit 1; }
echo "S3_BUCKET=$BUCKET" >>"$STATE/env"
(umask 077 && printf '%s\n' "AWS_ENDPOINT_URL_S3 = $S3_ENDPOINT" "AWS_REGION = $S3_REGION" \
  "AWS_ACCESS_KEY_ID = $S3_ACCESS_KEY" "AWS_SECRET_ACCESS_KEY = $S3_SECRET_KEY" >"$STATE/berth.conf")
echo "S3 (Swift s3api) on $S3_ENDPOINT, bucket $BUCKET ($DIR)"
