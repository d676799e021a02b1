#!/usr/bin/env bash
# haproxy in front of Berth nodes on loopback, for the tests and `make cluster`.
#
# usage: tests/cluster/haproxy.sh start DIR LISTEN_PORT NODE_PORT...   (DIR/haproxy.pid, .cfg, .log)
#        tests/cluster/haproxy.sh wait DIR LISTEN_PORT   (until it routes to a node again)
#        tests/cluster/haproxy.sh stop DIR
# Every request goes to the next healthy node (round robin per request, so an upload's chunks
# land on different nodes); nodes are health-checked on /healthz every 200 ms (out after two
# failures), and a request refused by a node that just died is sent to another.
set -euo pipefail
command=$1 DIR=$2

# Waits (up to 5 s) until haproxy on port $1 answers /healthz from a node.
wait_routing() {
  for _ in $(seq 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/healthz")" = 200 ] && return 0
    sleep 0.05
  done
  echo "haproxy on 127.0.0.1:$1 did not answer" >&2
  return 1
}

case "$command" in
  start)
    PORT=$3
    shift 3
    command -v haproxy >/dev/null || { echo "haproxy is not installed (apt-get install haproxy)" >&2; exit 1; }
    mkdir -p "$DIR"
    {
      cat <<CFG
global
  maxconn 4096
  # Room for headers as large as Berth accepts, so Berth (not the proxy) judges them.
  tune.bufsize 65536
  tune.maxrewrite 1024
defaults
  mode http
  timeout connect 2s
  timeout client 300s
  timeout server 300s
  timeout http-request 60s
  # A health check has 1 s to answer, and a node is taken out after two failures in a row: with
  # the check's time bounded by its 200 ms interval and one failure enough, a loaded machine
  # took every node out at once and clients got haproxy's 503.
  timeout check 1s
  retries 2
  option redispatch
frontend berth
  bind 127.0.0.1:$PORT
  default_backend nodes
backend nodes
  balance roundrobin
  option httpchk GET /healthz
  http-check expect status 200
CFG
      n=0
      for node in "$@"; do
        n=$((n + 1))
        echo "  server node$n 127.0.0.1:$node check inter 200ms fall 2 rise 1"
      done
    } >"$DIR/haproxy.cfg"
    haproxy -c -q -f "$DIR/haproxy.cfg"
    if ! haproxy -D -p "$DIR/haproxy.pid" -f "$DIR/haproxy.cfg" 2>>"$DIR/haproxy.log"; then
      echo "haproxy did not start on 127.0.0.1:$PORT:" >&2
      tail -5 "$DIR/haproxy.log" >&2
      exit 1
    fi
    wait_routing "$PORT"
    ;;
  wait)
    wait_routing "$3"
    ;;
  stop)
    if [ -f "$DIR/haproxy.pid" ]; then
      kill "$(cat "$DIR/haproxy.pid")" 2>/dev/null || true
      rm -f "$DIR/haproxy.pid"
    fi
    ;;
  *) echo "usage: $0 start|wait|stop DIR ..." >&2; exit 2 ;;
esac
