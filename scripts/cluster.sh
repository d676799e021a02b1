#!/usr/bin/env bash
# `make cluster`: Berth scaled out on loopback, to see it work. Starts PostgreSQL 15 and an S3
# store (OpenStack Swift with s3api), three Berth nodes on them that share one key ring, and
# haproxy in front (round robin per request) on $LISTEN (default 127.0.0.1:5000); prints where
# the admin's credentials are, and stops everything on Ctrl-C. Throwaway: the stores are new on
# every start and removed at the end.
#
# env: LISTEN (haproxy's HOST:PORT), NODES (default 3), CLUSTER_DIR (default ./cluster),
#      BERTH_BIN (default build/berth)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${BERTH_BIN:-$ROOT/build/berth}"
LISTEN="${LISTEN:-127.0.0.1:5000}"
NODES="${NODES:-3}"
DIR="${CLUSTER_DIR:-$ROOT/cluster}"
PROXY_PORT="${LISTEN##*:}"
source "$ROOT/scripts/lib.sh"  # free_port

rm -rf "$DIR"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
pids=()
stop_all() {
  trap - INT TERM EXIT
  echo "stopping the cluster"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$ROOT/tests/cluster/haproxy.sh" stop "$DIR/proxy"
  "$ROOT/tests/s3/stop.sh" "$DIR/s3"
  "$ROOT/tests/postgres/stop.sh" "$DIR/postgres"
  exit 0
}
trap stop_all INT TERM EXIT

echo "starting PostgreSQL and the S3 store"
"$ROOT/tests/postgres/start.sh" "$DIR/postgres"
"$ROOT/tests/s3/start.sh" "$DIR/s3"
# shellcheck disable=SC1091
. "$DIR/s3/env"

ports=()
for i in $(seq 1 "$NODES"); do
  port=$(free_port)
  ports+=("$port")
  args=(serve --listen "127.0.0.1:$port" --data "$DIR/node$i" --meta "$(cat "$DIR/postgres/uri")"
        --config "$DIR/s3/berth.conf" --blobs "s3://$S3_BUCKET/registry" --external-url "http://$LISTEN")
  # Node 1 makes the secret key file on its first start; the others share it.
  [ "$i" -gt 1 ] && args+=(--secret-key-file "$DIR/node1/secret.key")
  "$BIN" "${args[@]}" >"$DIR/node$i.out" 2>"$DIR/node$i.log" &
  pids+=($!)
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$DIR/node$i.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "node $i on 127.0.0.1:$port (log: $DIR/node$i.log)"
done
"$ROOT/tests/cluster/haproxy.sh" start "$DIR/proxy" "$PROXY_PORT" "${ports[@]}"
cat <<MSG

Berth cluster: $NODES nodes behind haproxy on http://$LISTEN
  metadata: $(cat "$DIR/postgres/uri")
  blobs:    s3://$S3_BUCKET/registry at $S3_ENDPOINT
  admin credentials: $DIR/node1/admin-credentials
  try: skopeo copy --dest-tls-verify=false --dest-creds "\$AK:\$SK" oci:IMAGE docker://$LISTEN/demo/app:v1
Ctrl-C stops it and removes its data.
MSG
wait -n "${pids[@]}" || true
echo "a node exited; see $DIR/node*.log" >&2
exit 1
