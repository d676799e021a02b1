# Shared helpers for the end-to-end tests. Source it; it sets `set -euo pipefail`.
#
# berth_start [args]   start build/berth on a free port with a fresh data dir: sets BERTH_PORT,
#                      BERTH_HOST (host:port), BERTH_URL, AK, SK, BERTH_PID
# req METHOD PATH [curl args]   one request with the admin's credentials: sets STATUS, and the
#                      files $HDRS and $BODY
# expect_status N / expect_header NAME VALUE / expect_body_json JQ VALUE / check NAME COND
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BERTH_BIN="${BERTH_BIN:-$ROOT/build/berth}"
WORK="$(mktemp -d /tmp/berth-e2e.XXXXXX)"
HDRS="$WORK/headers"
BODY="$WORK/body"
FAILURES=0
CHECKS=0
TEST_NAME="$(basename "$0" .sh)"

# A command outside any check that fails ends the test (set -e): say which, where. (Not inherited
# by functions and subshells, where a failure is often expected and handled by the caller.)
trap 'echo "$TEST_NAME: \"$BASH_COMMAND\" failed with status $? (${BASH_SOURCE[0]##*/}:$LINENO)" >&2' ERR

cleanup() {
  local rc=$?
  trap - ERR
  if [ "$rc" -ne 0 ] && [ "$FAILURES" -eq 0 ]; then
    # Ended by a failing command, not by a failed check: keep what explains it.
    FAILURES=1
    echo "$TEST_NAME: ended with status $rc after $CHECKS checks (work dir $WORK kept)" >&2
    local log
    for log in "$WORK/berth.log" "$WORK/proxy/haproxy.log"; do
      [ -s "$log" ] && { echo "--- last lines of $log ---" >&2; tail -20 "$log" >&2; }
    done
  fi
  berth_stop || true
  [ -f "$WORK/aws-warm/pid" ] && { kill "$(cat "$WORK/aws-warm/pid")" 2>/dev/null || true; }
  [ -d "$WORK/proxy" ] && "$ROOT/tests/cluster/haproxy.sh" stop "$WORK/proxy"
  if [ "$FAILURES" -eq 0 ] && [ -z "${KEEP_WORK:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

BERTH_DATA="$WORK/data"
# BERTH_E2E_META=postgres: the metadata lives in the PostgreSQL that CTest started for the run
# (its URI in BERTH_TEST_POSTGRES_URI_FILE), in a schema of this test's own; blobs stay in
# $BERTH_DATA. Restarts within a test keep the same schema.
BERTH_META_ARGS=()
if [ "${BERTH_E2E_META:-}" = postgres ]; then
  PG_URI=$(cat "$BERTH_TEST_POSTGRES_URI_FILE")
  PG_SCHEMA="e2e_$(basename "$WORK" | tr -cd 'a-zA-Z0-9' | tr 'A-Z' 'a-z')"
  psql -X -q -v ON_ERROR_STOP=1 "$PG_URI" -c "CREATE SCHEMA $PG_SCHEMA" >/dev/null
  BERTH_META_ARGS=(--meta "$PG_URI?options=-csearch_path%3D$PG_SCHEMA")
  export PG_URI PG_SCHEMA
fi
export BERTH_E2E_META="${BERTH_E2E_META:-sqlite}"
# BERTH_E2E_BLOBS=s3: the blobs live in the S3 store (Swift's s3api) that CTest started for the
# run (BERTH_TEST_S3_ENV_FILE), under a prefix of this test's own; its keys reach Berth through
# a config file, so the clients' own AWS settings stay untouched. tests/e2e/blobstore.py reads
# what either store holds.
BERTH_BLOB_ARGS=()
export BERTH_E2E_BLOBS="${BERTH_E2E_BLOBS:-files}" BERTH_DATA
if [ "$BERTH_E2E_BLOBS" = s3 ]; then
  # shellcheck disable=SC1090
  . "$BERTH_TEST_S3_ENV_FILE"
  export S3_ENDPOINT S3_ACCESS_KEY S3_SECRET_KEY S3_REGION S3_BUCKET
  S3_PREFIX="e2e-$(basename "$WORK" | tr -cd 'a-zA-Z0-9')/"
  export S3_PREFIX
  S3_CONF="$(dirname "$BERTH_TEST_S3_ENV_FILE")/berth.conf"  # written by tests/s3/start.sh
  BERTH_BLOB_ARGS=(--config "$S3_CONF" --blobs "s3://$S3_BUCKET/$S3_PREFIX")
fi
blobstore() { python3 "$ROOT/tests/e2e/blobstore.py" "$@"; }

# BERTH_E2E_NODES=N (N > 1): berth_start starts N nodes on the same stores, sharing one secret
# key file, behind haproxy (tests/cluster/haproxy.sh); BERTH_URL and BERTH_HOST are haproxy's,
# BERTH_PORT is the first node's (for tests that speak raw bytes to Berth itself). Node 1 keeps
# $BERTH_DATA, where the admin's credentials appear; node i uses $WORK/data-i.
BERTH_NODES="${BERTH_E2E_NODES:-1}"
BERTH_PIDS=()
BERTH_NODE_PORTS=()
berth_start_node() {  # berth_start_node INDEX [args]: starts node INDEX (1-based) on its port
  local i=$1
  shift
  local data="$BERTH_DATA" extra=()
  if [ "$BERTH_NODES" -gt 1 ]; then
    [ "$i" -gt 1 ] && data="$WORK/data-$i"
    extra=(--external-url "$BERTH_URL")
    [ "$i" -gt 1 ] && extra+=(--secret-key-file "$BERTH_DATA/secret.key")
  fi
  local port="${BERTH_NODE_PORTS[$((i - 1))]}" scheme=http
  local host="127.0.0.1:$port"
  case " $* " in *" --tls-cert "*) scheme=https ;; esac
  # A port free_port found can be taken by another test before this node binds it, and then
  # that test's server answers /healthz here: the node is up only once it has said (on stdout,
  # at any log level) that it listens on this port with this data directory.
  local mine="berth listening on $scheme://$host (data in $data)" seen
  seen=$(grep -cF "$mine" "$WORK/berth.out" 2>/dev/null || true)
  "$BERTH_BIN" serve --listen "$host" --data "$data" "${BERTH_META_ARGS[@]}" "${BERTH_BLOB_ARGS[@]}" \
    "${extra[@]}" "$@" >>"$WORK/berth.out" 2>>"$WORK/berth.log" &
  BERTH_PIDS[$((i - 1))]=$!
  local said
  for _ in $(seq 1 400); do
    said=$(grep -cF "$mine" "$WORK/berth.out" 2>/dev/null || true)
    if [ "${said:-0}" -gt "${seen:-0}" ]; then
      curl -sfk "$scheme://$host/healthz" >/dev/null 2>&1 && return 0
    fi
    if ! kill -0 "${BERTH_PIDS[$((i - 1))]}" 2>/dev/null; then
      wait "${BERTH_PIDS[$((i - 1))]}" 2>/dev/null || true
      BERTH_PIDS[$((i - 1))]=""
      tail -n 5 "$WORK/berth.log" | grep -qF "listen on $host: Address already in use" && return 2
      cat "$WORK/berth.log" >&2
      echo "berth died" >&2
      exit 1
    fi
    sleep 0.05
  done
  echo "berth did not start on $host within 20 s" >&2
  exit 1
}

# After another process took a port free_port found (another test, or a client connection's
# ephemeral port) before a node or haproxy bound it: stops what started and starts every node,
# and haproxy, again on new ports; three starts in all. $1 says what failed; the rest is
# berth_start's arguments.
berth_start_on_new_ports() {
  local what=$1
  shift
  BERTH_START_ATTEMPTS=$((${BERTH_START_ATTEMPTS:-0} + 1))
  if [ "$BERTH_START_ATTEMPTS" -ge 3 ]; then
    echo "$what; giving up" >&2
    return 1
  fi
  echo "$what; again on new ports" >&2
  berth_stop
  rm -rf "$WORK/proxy"
  BERTH_NODE_PORTS=()
  BERTH_PROXY_PORT=""
  BERTH_PORT=""
  berth_start "$@"
}

berth_start() {
  if [ ${#BERTH_NODE_PORTS[@]} -eq 0 ]; then
    BERTH_NODE_PORTS=("${BERTH_PORT:-$(free_port)}")
    for _ in $(seq 2 "$BERTH_NODES"); do BERTH_NODE_PORTS+=("$(free_port)"); done
  fi
  BERTH_PORT="${BERTH_NODE_PORTS[0]}"
  if [ "$BERTH_NODES" -gt 1 ]; then
    [ -n "${BERTH_PROXY_PORT:-}" ] || BERTH_PROXY_PORT=$(free_port)
    BERTH_HOST="127.0.0.1:$BERTH_PROXY_PORT"
  else
    BERTH_HOST="127.0.0.1:$BERTH_PORT"
  fi
  BERTH_URL="http://$BERTH_HOST"
  case " $* " in *" --tls-cert "*) BERTH_URL="https://$BERTH_HOST" ;; esac
  local i rc
  for i in $(seq 1 "$BERTH_NODES"); do
    rc=0
    berth_start_node "$i" "$@" || rc=$?
    [ "$rc" -eq 0 ] && continue
    # This node's port was taken. A test that holds on to its ports (a restart, or haproxy
    # already pointing at them) cannot move.
    if [ -n "${BERTH_PORTS_KEPT:-}" ] || [ -f "$WORK/proxy/haproxy.pid" ] ||
      ! berth_start_on_new_ports "port ${BERTH_NODE_PORTS[$((i - 1))]} was taken" "$@"; then
      cat "$WORK/berth.log" >&2
      echo "berth could not listen on its port" >&2
      exit 1
    fi
    return
  done
  BERTH_PID="${BERTH_PIDS[0]}"
  if [ "$BERTH_NODES" -gt 1 ] && [ ! -f "$WORK/proxy/haproxy.pid" ]; then
    if ! "$ROOT/tests/cluster/haproxy.sh" start "$WORK/proxy" "$BERTH_PROXY_PORT" "${BERTH_NODE_PORTS[@]}"; then
      berth_start_on_new_ports "haproxy did not start on $BERTH_PROXY_PORT" "$@"
      return
    fi
  elif [ "$BERTH_NODES" -gt 1 ]; then
    # A restart behind the running haproxy: it took the stopped nodes out and puts one back at
    # its next health check (every 200 ms), which a node starting in a few milliseconds beats.
    "$ROOT/tests/cluster/haproxy.sh" wait "$WORK/proxy" "$BERTH_PROXY_PORT" || true
  fi
  BERTH_PORTS_KEPT=1  # a restart comes back on the same ports
  if [ -f "$BERTH_DATA/admin-credentials" ]; then
    AK=$(sed -n 's/^aws_access_key_id = //p' "$BERTH_DATA/admin-credentials")
    SK=$(sed -n 's/^aws_secret_access_key = //p' "$BERTH_DATA/admin-credentials")
  fi
}

# Sends a signal to every running node.
berth_signal() {
  local pid
  for pid in "${BERTH_PIDS[@]}"; do [ -n "$pid" ] && kill "-$1" "$pid" 2>/dev/null; done
  return 0
}

# Waits for every node to exit; a crash before or during shutdown, or a sanitizer's report at
# exit, shows as a non-zero exit status and fails a check.
berth_wait() {
  local i rc
  for i in "${!BERTH_PIDS[@]}"; do
    [ -n "${BERTH_PIDS[$i]}" ] || continue
    rc=0
    wait "${BERTH_PIDS[$i]}" 2>/dev/null || rc=$?
    BERTH_PIDS[$i]=""
    check "berth node $((i + 1)) shut down cleanly (exit status $rc)" test "$rc" -eq 0
  done
  BERTH_PID=""
}

# Stops every node with SIGTERM (haproxy stays up for a restart; cleanup stops it).
berth_stop() {
  [ ${#BERTH_PIDS[@]} -gt 0 ] || return 0
  berth_signal TERM
  berth_wait
}

berth_kill9() {
  berth_signal KILL
  local pid
  for pid in "${BERTH_PIDS[@]}"; do [ -n "$pid" ] && { wait "$pid" 2>/dev/null || true; }; done
  BERTH_PIDS=()
  BERTH_PID=""
}

req() {
  local method="$1" path="$2"
  shift 2
  STATUS=$(curl -s -o "$BODY" -D "$HDRS" -w '%{http_code}' -X "$method" -u "$AK:$SK" "$@" \
    "$BERTH_URL$path")
}

# A request without credentials.
req_anon() {
  local method="$1" path="$2"
  shift 2
  STATUS=$(curl -s -o "$BODY" -D "$HDRS" -w '%{http_code}' -X "$method" "$@" "$BERTH_URL$path")
}

pass() { CHECKS=$((CHECKS + 1)); }
fail() {
  CHECKS=$((CHECKS + 1))
  FAILURES=$((FAILURES + 1))
  echo "FAIL: $*" >&2
  if [ -s "$BODY" ]; then echo "  body: $(head -c 400 "$BODY")" >&2; fi
}

check() {  # check DESCRIPTION COMMAND...
  local what="$1"
  shift
  if "$@"; then pass; else fail "$what"; fi
}

expect_status() {
  if [ "$STATUS" = "$1" ]; then pass; else fail "${2:-request}: status $STATUS, want $1"; fi
}

header() {  # header NAME: prints the value of the last response's header
  tr -d '\r' <"$HDRS" | awk -v n="$(echo "$1" | tr 'A-Z' 'a-z')" \
    'BEGIN{FS=": "} {k=tolower($1)} k==n {sub(/^[^:]*: /,""); print; exit}'
}

expect_header() {
  local got
  got=$(header "$1")
  if [ "$got" = "$2" ]; then pass; else fail "header $1 is '$got', want '$2'"; fi
}

expect_json() {  # expect_json JQ_FILTER EXPECTED
  local got
  got=$(jq -c "$1" <"$BODY" 2>/dev/null || echo "<not json>")
  if [ "$got" = "$2" ]; then pass; else fail "json $1 is $got, want $2"; fi
}

expect_error() {  # expect_error STATUS CODE [description]
  expect_status "$1" "${3:-$2}"
  expect_json '.errors[0].code' "\"$2\""
}

# aws_warm ARGS...: `aws ARGS...`, run by the CLI's own code kept loaded in one process per test
# (tests/e2e/aws_warm.py says why), so hundreds of calls do not each pay a second of start-up.
# The `aws` command itself runs once first: it must work, and its interpreter runs the server.
# Where that interpreter cannot load awscli, or BERTH_E2E_AWS_COLD=1, each call is an `aws` process.
# State lives in files under $WORK, so calls from subshells share one server.
aws_warm() {
  local dir="$WORK/aws-warm"
  if [ -n "${BERTH_E2E_AWS_COLD:-}" ] || ! aws_warm_ready "$dir"; then command aws "$@"; return; fi
  local request rc fd
  request=$(mktemp "$dir/call.XXXXXX")
  { printf '%s\0' "$PWD"; env -0; printf '\0'; printf '%s\0' "$@"; } >"$request"
  mkfifo "$request.rc"
  exec {fd}<>"$request.rc"
  echo "$request" >"$dir/requests"
  if ! read -r -t 1200 -u "$fd" rc; then rc=255; echo "aws_warm: no answer for: aws $*" >"$request.err"; fi
  exec {fd}<&-
  cat "$request.out" 2>/dev/null || true
  cat "$request.err" >&2 2>/dev/null || true
  rm -f "$request" "$request.rc" "$request.out" "$request.err"
  return "$rc"
}
aws_warm_ready() {  # aws_warm_ready DIR: the server is up (started here, once, if need be)
  local dir="$1" line
  [ -f "$dir/ready" ] && return 0
  [ -f "$dir/cold" ] && return 1
  mkdir -p "$dir"
  (
    flock 9
    [ -f "$dir/ready" ] || [ -f "$dir/cold" ] && exit 0
    local bin python=()
    bin=$(command -v aws) && command aws --version >/dev/null 2>&1 || { touch "$dir/cold"; exit 0; }
    # pyenv puts a shell shim on PATH; the CLI's script is behind it.
    if [[ $bin == */shims/* ]] && command -v pyenv >/dev/null; then bin=$(pyenv which aws); fi
    read -r line <"$bin" || true
    case "$line" in '#!'*python*) read -r -a python <<<"${line#\#!}" ;; *) touch "$dir/cold"; exit 0 ;; esac
    mkfifo "$dir/requests"
    setsid "${python[@]}" "$ROOT/tests/e2e/aws_warm.py" "$dir" $$ </dev/null >"$dir/server.log" 2>&1 9>&- &
    echo $! >"$dir/pid"
    touch "$dir/ready"
  ) 9>"$dir/lock"
  [ -f "$dir/ready" ]
}

# aws_admin: the aws CLI against Berth as the account root, after berth_start: `admin SERVICE ARGS...`.
aws_admin() {
  AWS="${AWS:-aws_warm}"
  # Timestamps as sent on the wire (epoch seconds) on aws CLI v1 ("none") and v2 ("wire"; it
  # otherwise prints ISO 8601), for the default profile and the admin's.
  local ts=none
  case "$("$AWS" --version 2>&1)" in aws-cli/2*) ts=wire ;; esac
  # cli_follow_urlparam: aws CLI v1 would otherwise fetch any parameter that looks like a URL
  # (a pull-through cache rule's upstreamRegistryUrl) and send what it read.
  printf '[default]\ncli_timestamp_format = %s\ncli_pager =\ncli_follow_urlparam = false\n[profile berth]\ncli_timestamp_format = %s\ncli_pager =\ncli_follow_urlparam = false\n' \
    "$ts" "$ts" >"$WORK/aws-config"
  export AWS_CONFIG_FILE="$WORK/aws-config" AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=us-east-1
  export AWS_DATA_PATH="$ROOT/tests/aws-data" AWS_SHARED_CREDENTIALS_FILE="$BERTH_DATA/admin-credentials"
}
admin() { "$AWS" --profile berth "$1" --endpoint-url "$BERTH_URL" --output json "${@:2}"; }

# aws calls checked by their outcome: "${AWS_CALL[@]}" ARGS... (the admin's `aws ecr` unless a
# test sets AWS_CALL), its output in $OUT and its errors in $ERR.
AWS_CALL=(admin ecr)
OUT="$WORK/aws.out"
ERR="$WORK/aws.err"
run_ok() {  # run_ok DESCRIPTION ARGS...: the call succeeds
  if "${AWS_CALL[@]}" "${@:2}" >"$OUT" 2>"$ERR"; then pass; else fail "$1: $(head -c 2000 "$ERR")"; fi
}
run_err() {  # run_err EXCEPTION DESCRIPTION ARGS...: the call fails with EXCEPTION
  if "${AWS_CALL[@]}" "${@:3}" >"$OUT" 2>"$ERR"; then
    fail "$2: succeeded, want $1"
  elif grep -q "($1)" "$ERR"; then
    pass
  else
    fail "$2: want $1, got $(head -c 2000 "$ERR")"
  fi
}
jq_check() {  # jq_check DESCRIPTION FILTER EXPECTED: on the last call's output
  local got
  got=$(jq -c "$2" "$OUT" 2>/dev/null || echo "<not json>")
  if [ "$got" = "$3" ]; then pass; else fail "$1: $2 is $got, want $3 (in $(head -c 2000 "$OUT"))"; fi
}

# metric_sum NAME: a counter's value summed over every node's /metrics.
metric_sum() {
  local total=0 port v
  for port in "${BERTH_NODE_PORTS[@]}"; do
    v=$(curl -s -u "$AK:$SK" "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m {print $2}')
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# journal: the events every node appended to its DATA/events.jsonl (the node holding the
# "events" lease writes them).
journal() {
  local f
  for f in "$BERTH_DATA/events.jsonl" "$WORK"/data-*/events.jsonl; do [ -f "$f" ] && cat "$f"; done
  return 0
}

sha256_of() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }

finish() {
  berth_stop
  if [ "$FAILURES" -gt 0 ]; then
    echo "$TEST_NAME: $FAILURES of $CHECKS checks failed (work dir $WORK kept)" >&2
    echo "--- last lines of berth's log ---" >&2
    tail -20 "$WORK/berth.log" >&2 || true
    exit 1
  fi
  echo "$TEST_NAME: all $CHECKS checks passed"
}
