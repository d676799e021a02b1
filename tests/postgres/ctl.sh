#!/usr/bin/env bash
# Stops or starts again the PostgreSQL that tests/postgres/start.sh made for STATE, with the
# same settings and port, for tests of what Berth does while its database is away.
#
# usage: tests/postgres/ctl.sh STATE stop|start
set -euo pipefail
STATE=$1 ACTION=$2
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DIR=$(cat "$STATE/cluster")
if [ "$(id -u)" = 0 ]; then
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi
case "$ACTION" in
  start)
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/postgres.log" -w -t 60 -o "$(cat "$STATE/options")" start \
      >/dev/null || { tail -n 20 "$DIR/postgres.log" >&2; exit 1; }
    ;;
  stop) as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null ;;
  *) echo "usage: $0 STATE stop|start" >&2; exit 2 ;;
esac
