#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 (Debian's postgresql-15) for the tests: a new cluster on a
# free loopback port with a database and a password role, and writes its URI to STATE/uri.
# The cluster lives in a new directory under /tmp (STATE/cluster names it), which the postgres
# user can reach wherever the checkout is; as root the server runs as postgres, as PostgreSQL
# requires. Durability is off: the data is thrown away by stop.sh.
#
# usage: tests/postgres/start.sh STATE   (tests/postgres/ctl.sh STATE stop|start restarts it)
set -euo pipefail
STATE=$1
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$BIN/initdb" ] || { echo "postgres: $BIN/initdb not found (apt-get install postgresql-15)" >&2; exit 1; }
"$(dirname "$0")/stop.sh" "$STATE" 2>/dev/null || true
mkdir -p "$STATE"
DIR=$(mktemp -d /tmp/berth-postgres.XXXXXX)
echo "$DIR" >"$STATE/cluster"
mkdir -p "$DIR/sock"
if [ "$(id -u)" = 0 ]; then
  chown -R postgres "$DIR"
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg "$BIN/initdb" -D "$DIR/data" -U postgres -E UTF8 --locale=C.UTF-8 --no-sync \
  --auth-local=trust --auth-host=scram-sha-256 >"$STATE/initdb.log" 2>&1 ||
  { cat "$STATE/initdb.log" >&2; exit 1; }
echo "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR/sock -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >"$STATE/options"
"$(dirname "$0")/ctl.sh" "$STATE" start
as_pg "$BIN/psql" -X -q -h "$DIR/sock" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE berth LOGIN PASSWORD 'berth-test'" -c "CREATE DATABASE berth OWNER berth" >/dev/null
echo "postgresql://berth:berth-test@127.0.0.1:$PORT/berth" >"$STATE/uri"
echo "PostgreSQL on 127.0.0.1:$PORT ($DIR)"
