# Other registries on loopback for the tests that talk to them (source it after lib.sh):
#   distribution NAME PORT [htpasswd-file [cert key]]   CNCF's registry, its access log in
#                                            $WORK/NAME.log; over TLS with a certificate and key
#   extra_berth NAME PORT [args]             a Berth of its own (SQLite, files in $WORK/NAME-data),
#                                            its admin's keys in NAME_AK and NAME_SK, its pid in NAME_PID
#   stop_registry NAME                       stops one of them (SIGTERM) and waits
# Every one is stopped when the test exits.
UPSTREAM_PIDS=()
stop_upstreams() { for p in "${UPSTREAM_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap 'stop_upstreams; cleanup' EXIT

# distribution NAME PORT [htpasswd-file [cert key]]: a registry on loopback, its access log in
# $WORK/NAME.log; an empty htpasswd-file for none.
distribution() {
  local auth="" tls="" scheme=http
  [ -n "${3:-}" ] && auth=$'auth:\n  htpasswd:\n    realm: upstream\n    path: '"$3"
  [ -n "${4:-}" ] && tls=$'  tls:\n    certificate: '"$4"$'\n    key: '"$5" && scheme=https
  cat >"$WORK/$1.yml" <<YML
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $WORK/$1-data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$2
$tls
$auth
YML
  # distribution reads REGISTRY_* variables as settings: the containers tools' REGISTRY_AUTH_FILE is not one.
  env -u REGISTRY_AUTH_FILE -u REGISTRIES_CONFIG_PATH docker-registry serve "$WORK/$1.yml" >"$WORK/$1.log" 2>&1 &
  UPSTREAM_PIDS+=($!)
  eval "${1}_PID=$!"
  for _ in $(seq 1 100); do curl -s -o /dev/null ${4:+--cacert "$4"} "$scheme://127.0.0.1:$2/v2/" && return 0; sleep 0.05; done
  fail "distribution $1 did not start"
}

extra_berth() {
  local name=$1 port=$2
  shift 2
  mkdir -p "$WORK/$name-data"
  "$BERTH_BIN" serve --listen "127.0.0.1:$port" --data "$WORK/$name-data" "$@" \
    >>"$WORK/$name.out" 2>>"$WORK/$name.log" &
  UPSTREAM_PIDS+=($!)
  eval "${name}_PID=$!"
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
  eval "${name}_AK=\$(sed -n 's/^aws_access_key_id = //p' \"\$WORK/\$name-data/admin-credentials\")"
  eval "${name}_SK=\$(sed -n 's/^aws_secret_access_key = //p' \"\$WORK/\$name-data/admin-credentials\")"
}

stop_registry() {
  local pid
  pid=$(eval "echo \${${1}_PID:-}")
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  eval "${1}_PID="
}
