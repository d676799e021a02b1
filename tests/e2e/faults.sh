#!/usr/bin/env bash
# A cluster under faults: three nodes behind haproxy on a PostgreSQL and an S3 store of this
# test's own, which it takes away and brings back.
#   - a node killed mid-upload: the client resumes on another node and the blob is whole;
#   - PostgreSQL restarted: requests fail fast with 503 and Retry-After meanwhile, and the nodes
#     recover by themselves, with nothing acknowledged lost;
#   - the S3 store answering 503 (its object servers gone) and down altogether: the same, after
#     bounded retries;
#   - the node holding the lease for background work dies: another one takes it over;
#   - S3 over HTTPS: the store's certificate is verified.
HERE="$(cd "$(dirname "$0")" && pwd)"
FAULTS="$(mktemp -d /tmp/berth-faults.XXXXXX)"
"$HERE/../postgres/start.sh" "$FAULTS/pg" >/dev/null
"$HERE/../s3/start.sh" "$FAULTS/s3" >/dev/null
export BERTH_E2E_NODES=3 BERTH_E2E_META=postgres BERTH_E2E_BLOBS=s3
export BERTH_TEST_POSTGRES_URI_FILE="$FAULTS/pg/uri" BERTH_TEST_S3_ENV_FILE="$FAULTS/s3/env"
source "$HERE/lib.sh"
stop_stores() {
  "$HERE/../postgres/stop.sh" "$FAULTS/pg"
  "$HERE/../s3/stop.sh" "$FAULTS/s3"
  rm -rf "$FAULTS"
}
trap 'cleanup; stop_stores' EXIT
SWIFT="$(cat "$FAULTS/s3/dir")/swift"

# Idle uploads expire after 8 s: the purge (under its lease) runs every 2 s.
berth_start --log-level warn --upload-idle-timeout 8
python3 "$ROOT/tests/e2e/make_oci_layout.py" "$WORK/img" v1 --layers 7000000,3000 >/dev/null
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$WORK/policy.json"
SKOPEO=(skopeo --policy "$WORK/policy.json" --override-os linux)
push() { "${SKOPEO[@]}" copy -q --dest-tls-verify=false --dest-creds "$AK:$SK" "oci:$WORK/img:v1" "docker://$BERTH_HOST/$1"; }
pull() { "${SKOPEO[@]}" copy -q --src-tls-verify=false --src-creds "$AK:$SK" "docker://$BERTH_HOST/$1" "oci:$WORK/$2:v1"; }
pulled_whole() {  # pulled_whole REF DIR: pulls REF into DIR; every blob is the pushed one
  pull "$1" "$2" || return 1
  local blob
  for blob in "$WORK"/img/blobs/sha256/*; do cmp -s "$blob" "$WORK/$2/blobs/sha256/$(basename "$blob")" || return 1; done
}
every_node_serves() {  # a read and a write on each node
  local port
  for port in "${BERTH_NODE_PORTS[@]}"; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -u "$AK:$SK" "http://127.0.0.1:$port/v2/_catalog")" = 200 ] || return 1
    [ "$(curl -s -o /dev/null -w '%{http_code}' -u "$AK:$SK" -X POST "http://127.0.0.1:$port/v2/faults/w$port/blobs/uploads/")" = 202 ] || return 1
  done
}
check "push through the cluster" push faults/before:v1
LAYER=$(jq -r '.layers[0].digest' "$WORK/img/blobs/sha256/$(jq -r '.manifests[0].digest' "$WORK/img/index.json" | cut -d: -f2)")

# --- a node dies in the middle of a chunk --------------------------------------------------------
python3 "$ROOT/tests/e2e/node_failover.py" "$AK" "$SK" faults/moving "${BERTH_PIDS[1]}" "${BERTH_NODE_PORTS[@]}" >"$BODY" 2>&1
check "an upload whose node was killed mid-chunk resumes on another node, whole" grep -qx ok "$BODY"
wait "${BERTH_PIDS[1]}" 2>/dev/null || true
berth_start_node 2 --log-level warn --upload-idle-timeout 8
check "pushes still land after the node came back" push faults/after-node:v1

# --- PostgreSQL goes away and comes back --------------------------------------------------------
"$HERE/../postgres/ctl.sh" "$FAULTS/pg" stop
started=$(date +%s%N)
req GET /v2/faults/before/manifests/v1 -H 'Accept: application/vnd.oci.image.manifest.v1+json'
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
expect_error 503 UNAVAILABLE "manifest read without PostgreSQL"
check "503 says when to retry" test -n "$(header Retry-After)"
check "and comes fast (${elapsed_ms} ms)" test "$elapsed_ms" -lt 5000
req POST /v2/faults/before/blobs/uploads/
expect_status 503 "upload start without PostgreSQL"
python3 - "$BERTH_URL" "$AK" "$SK" >"$BODY" 2>&1 <<'PY' || true
import sys, boto3, botocore.config
url, ak, sk = sys.argv[1:4]
ecr = boto3.client("ecr", endpoint_url=url, region_name="us-east-1", aws_access_key_id=ak, aws_secret_access_key=sk,
                   config=botocore.config.Config(retries={"total_max_attempts": 1}))
try:
    ecr.describe_repositories()
    print("answered")
except ecr.exceptions.ServerException as e:
    print(e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"])
PY
check "the ECR API answers 503 ServerException meanwhile" grep -qx "503 ServerException" "$BODY"
"$HERE/../postgres/ctl.sh" "$FAULTS/pg" start
# Pooled connections to the old server are dropped when the first of them fails; the request
# that found it runs again on a new one, so no request fails once the database is back.
check "every node serves again at once, without a restart" every_node_serves
req GET /v2/faults/before/manifests/v1 -H 'Accept: application/vnd.oci.image.manifest.v1+json'
expect_status 200 "manifest reads recover"
check "what was pushed before is whole" pulled_whole faults/before:v1 pg-back
check "pushes work again" push faults/after-pg:v1

# --- the S3 store answers 503 (no object server), then is down, then back ----------------------
kill "$(cat "$SWIFT/run/object.pid")"
sleep 0.5
req GET "/v2/faults/before/blobs/$LAYER"
expect_error 503 UNAVAILABLE "blob read while S3 answers 503"
check "503 says when to retry" test -n "$(header Retry-After)"
head -c 100000 /dev/urandom >"$WORK/small"
req POST "/v2/faults/before/blobs/uploads/?digest=$(sha256_of "$WORK/small")" --data-binary @"$WORK/small"
expect_status 503 "blob upload while S3 answers 503"
req HEAD "/v2/faults/before/blobs/$(sha256_of "$WORK/small")" -I
expect_status 404 "the failed upload left no blob behind"
kill "$(cat "$SWIFT/run/proxy.pid")"
sleep 0.5
started=$(date +%s%N)
req GET "/v2/faults/before/blobs/$LAYER"
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
expect_error 503 UNAVAILABLE "blob read while S3 is down"
check "after bounded retries (${elapsed_ms} ms)" test "$elapsed_ms" -lt 10000
"$HERE/../s3/swift-stop.sh" "$SWIFT"
"$HERE/../s3/swift-start.sh" "$SWIFT" "$(sed -n 's|^S3_ENDPOINT=http://127.0.0.1:||p' "$FAULTS/s3/env")" >/dev/null 2>"$WORK/swift-restart.log"
req GET "/v2/faults/before/blobs/$LAYER"
expect_status 200 "blob reads recover with the store"
check "what was pushed before is whole" pulled_whole faults/before:v1 s3-back
check "pushes work again" push faults/after-s3:v1

# --- background work runs on one node, and moves when that node dies ------------------------------
lease_holders() {  # the indexes (1-based) of the nodes that report holding the upload-purge lease
  local i metrics
  for i in "${!BERTH_NODE_PORTS[@]}"; do
    [ -n "${BERTH_PIDS[$i]:-}" ] || continue
    # Read whole first: under pipefail, `curl | grep -q` fails when grep stops reading before
    # curl's last write (curl then exits 23), which a loaded machine makes likely.
    metrics=$(curl -s -u "$AK:$SK" "http://127.0.0.1:${BERTH_NODE_PORTS[$i]}/metrics") || continue
    grep -qx 'berth_lease_held{lease="upload-purge"} 1' <<<"$metrics" && echo $((i + 1))
  done
  return 0
}
for _ in $(seq 40); do [ -n "$(lease_holders)" ] && break; sleep 0.25; done
HOLDERS=$(lease_holders)
check "exactly one node holds the upload-purge lease ($HOLDERS)" test "$(wc -w <<<"$HOLDERS")" = 1
HOLDER=${HOLDERS%% *}
kill -9 "${BERTH_PIDS[$((HOLDER - 1))]}"
wait "${BERTH_PIDS[$((HOLDER - 1))]}" 2>/dev/null || true
BERTH_PIDS[$((HOLDER - 1))]=""
for _ in $(seq 60); do [ -n "$(lease_holders)" ] && break; sleep 0.25; done
NEW=$(lease_holders)
check "another node took the lease over after node $HOLDER died ($NEW)" test "$(wc -w <<<"$NEW")" = 1 -a "$NEW" != "$HOLDER"

berth_stop

# --- S3 over HTTPS: the store's certificate is verified ---------------------------------------------
# haproxy terminates TLS in front of the store with a certificate for "localhost"; a node that
# trusts it (SSL_CERT_FILE) works through it, one that does not refuses to start.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/tls.key" -out "$WORK/tls.crt" -days 1 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null
cat "$WORK/tls.crt" "$WORK/tls.key" >"$WORK/tls.pem"
TLS_PORT=$(free_port)
printf '%s\n' global "  maxconn 64" defaults "  mode http" "  timeout connect 2s" "  timeout client 60s" \
  "  timeout server 60s" frontend\ s3tls "  bind 127.0.0.1:$TLS_PORT ssl crt $WORK/tls.pem" \
  "  default_backend swift" backend\ swift "  server swift ${S3_ENDPOINT#http://}" >"$WORK/tls-proxy.cfg"
haproxy -D -p "$WORK/tls-proxy.pid" -f "$WORK/tls-proxy.cfg"
sed "s|^AWS_ENDPOINT_URL_S3 = .*|AWS_ENDPOINT_URL_S3 = https://localhost:$TLS_PORT|" "$S3_CONF" >"$WORK/s3-tls.conf"
TLS_NODE=(serve --data "$WORK/data-tls" --meta "$PG_URI?options=-csearch_path%3D$PG_SCHEMA"
          --config "$WORK/s3-tls.conf" --blobs "s3://$S3_BUCKET/$S3_PREFIX" --log-level warn)
NODE_PORT=$(free_port)
env -u SSL_CERT_DIR SSL_CERT_FILE="$WORK/tls.crt" "$BERTH_BIN" "${TLS_NODE[@]}" --listen "127.0.0.1:$NODE_PORT" \
  --secret-key-file "$BERTH_DATA/secret.key" 2>>"$WORK/berth.log" &
TLS_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$NODE_PORT/healthz" >/dev/null && break; sleep 0.05; done
STATUS=$(curl -s -o "$WORK/tls-blob" -w '%{http_code}' -u "$AK:$SK" "http://127.0.0.1:$NODE_PORT/v2/faults/before/blobs/$LAYER")
check "a node reads blobs from S3 over verified TLS" test "$STATUS" = 200
check "and they are whole" cmp -s "$WORK/tls-blob" "$WORK/img/blobs/sha256/${LAYER#sha256:}"
kill -TERM "$TLS_PID"
wait "$TLS_PID" 2>/dev/null || true
env -u SSL_CERT_DIR -u SSL_CERT_FILE timeout 60 "$BERTH_BIN" "${TLS_NODE[@]}" --listen "127.0.0.1:$NODE_PORT" \
  --secret-key-file "$BERTH_DATA/secret.key" >/dev/null 2>"$WORK/untrusted.log" || true
check "a node that does not trust the certificate refuses to start" grep -q "certificate verify failed" "$WORK/untrusted.log"
kill "$(cat "$WORK/tls-proxy.pid")"

python3 "$ROOT/tests/e2e/stored_state.py" >"$BODY" 2>&1 || true
check "the stored state is sound after every fault" grep -qx ok "$BODY"
finish
