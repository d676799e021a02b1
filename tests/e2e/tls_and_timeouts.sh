#!/usr/bin/env bash
# TLS with --tls-cert/--tls-key (curl and skopeo), and slow or stalled clients timed out.
source "$(dirname "$0")/lib.sh"

# --- TLS --------------------------------------------------------------------------------------
mkdir -p "$WORK/certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$WORK/key.pem" -out "$WORK/certs/ca.crt" 2>/dev/null
berth_start --tls-cert "$WORK/certs/ca.crt" --tls-key "$WORK/key.pem"
STATUS=$(curl -s -o "$BODY" -w '%{http_code}' --cacert "$WORK/certs/ca.crt" -u "$AK:$SK" "$BERTH_URL/v2/")
expect_status 200 "GET /v2/ over TLS"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' "http://$BERTH_HOST/v2/" || true)
check "plain HTTP is not served on the TLS port" test "$STATUS" != 200
head -c 3000000 /dev/urandom >"$WORK/blob"
D=$(sha256_of "$WORK/blob")
STATUS=$(curl -s -o "$BODY" -w '%{http_code}' --cacert "$WORK/certs/ca.crt" -u "$AK:$SK" -X POST \
  -T "$WORK/blob" "$BERTH_URL/v2/tls/blobs/uploads?digest=$D")
expect_status 201 "upload over TLS"
STATUS=$(curl -s -o "$BODY" -w '%{http_code}' --cacert "$WORK/certs/ca.crt" -u "$AK:$SK" \
  "$BERTH_URL/v2/tls/blobs/$D")
expect_status 200 "download over TLS"
check "TLS download is byte-exact" cmp -s "$BODY" "$WORK/blob"
python3 "$(dirname "$0")/make_oci_layout.py" "$WORK/img" v1 >/dev/null
echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$WORK/policy.json"
check "skopeo pushes over TLS, verifying the certificate" skopeo --policy "$WORK/policy.json" copy -q \
  --dest-cert-dir "$WORK/certs" --dest-creds "$AK:$SK" "oci:$WORK/img:v1" "docker://$BERTH_HOST/tls/img:v1"
check "skopeo pulls over TLS" skopeo --policy "$WORK/policy.json" copy -q \
  --src-cert-dir "$WORK/certs" --src-creds "$AK:$SK" "docker://$BERTH_HOST/tls/img:v1" "oci:$WORK/back:v1"
check "TLS round trip keeps the digest" test "$(jq -r '.manifests[0].digest' "$WORK/back/index.json")" = \
  "$(jq -r '.manifests[0].digest' "$WORK/img/index.json")"
# The web console's session cookie is Secure under TLS.
STATUS=$(curl -s -o "$BODY" -D "$HDRS" -w '%{http_code}' --cacert "$WORK/certs/ca.crt" -X POST \
  -H 'Content-Type: application/json' -d "{\"accessKeyId\":\"$AK\",\"secretAccessKey\":\"$SK\"}" \
  "$BERTH_URL/console/api/session")
expect_status 200 "a console sign-in over TLS"
check "the console's cookie is Secure over TLS" grep -q "; HttpOnly; SameSite=Strict; Secure" <<<"$(header Set-Cookie)"
berth_stop

# --- slow and stalled clients ------------------------------------------------------------------
berth_start --idle-timeout 2 --io-timeout 2
# Headers that never finish (slowloris), and a body that stalls: both connections are closed.
python3 - "$BERTH_PORT" "$AK" "$SK" >"$BODY" <<'PY'
import base64, socket, sys, time
port, user, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3]
auth = base64.b64encode(f"{user}:{secret}".encode()).decode()
def closed_within(sock, seconds):
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
        return True
    except socket.timeout:
        return False
start = time.time()
a = socket.create_connection(("127.0.0.1", port))
a.sendall(b"GET /v2/ HTTP/1.1\r\nHost: x\r\n")
print("slow-headers", "closed" if closed_within(a, 8) else "open", round(time.time() - start))
b = socket.create_connection(("127.0.0.1", port))
b.sendall(f"POST /v2/slow/blobs/uploads/?digest=sha256:{'0'*64} HTTP/1.1\r\nHost: x\r\n"
          f"Authorization: Basic {auth}\r\nContent-Length: 100000\r\n\r\n".encode() + b"x" * 10)
print("stalled-body", "closed" if closed_within(b, 8) else "open")
PY
check "a client that never finishes its headers is cut off" grep -q '^slow-headers closed' "$BODY"
check "a client that stalls mid-body is cut off" grep -q '^stalled-body closed' "$BODY"
req GET /v2/
expect_status 200 "server still serves others"
berth_stop

# --- SIGTERM with a request that will not finish in time ----------------------------------------
# Past --drain-timeout Berth stops with the request in flight; tearing down its coroutine (which
# holds the upload's lock) must be clean: berth_stop checks the exit status, and the sanitizer
# build (make sanitize) reports any use after free.
berth_start --drain-timeout 2
req POST /v2/drain/blobs/uploads/
LOC=$(header Location)
head -c 3000000 /dev/urandom >"$WORK/slow"
curl -s -o /dev/null -u "$AK:$SK" -X PATCH --limit-rate 100k --data-binary @"$WORK/slow" "$BERTH_URL$LOC" &
CURL_PID=$!
sleep 1
STARTED=$(date +%s)
berth_stop
check "stopped at the drain deadline, not after the upload" test $(($(date +%s) - STARTED)) -lt 10
check "the deadline is logged" grep -q 'drain deadline passed' "$WORK/berth.log"
kill "$CURL_PID" 2>/dev/null || true
wait "$CURL_PID" 2>/dev/null || true
finish
