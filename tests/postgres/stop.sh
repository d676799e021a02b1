#!/usr/bin/env bash
# Stops the PostgreSQL that tests/postgres/start.sh started for STATE and removes its cluster.
set -uo pipefail
STATE=$1
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DIR=$(cat "$STATE/cluster" 2>/dev/null) || exit 0
if [ -n "$DIR" ] && [ -f "$DIR/data/postmaster.pid" ]; then
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1
  else
    "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1
  fi
fi
case "$DIR" in /tmp/berth-postgres.*) rm -rf "$DIR" ;; esac
rm -rf "$STATE"
