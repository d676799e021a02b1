#!/usr/bin/env bash
# Stop what swift-start.sh DATA_DIR started (by PID file only). usage: swift-stop.sh DATA_DIR [--wipe]
set -uo pipefail
# running = exists and is not a zombie (an exited daemon stays a zombie until its
# reaper -- PID 1 or a subreaper -- collects it, which can take seconds in containers)
alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $s != Z* ]]; }
[ $# -ge 1 ] || { echo "usage: $0 DATA_DIR [--wipe]" >&2; exit 1; }
DIR=$(cd "$1" 2>/dev/null && pwd) || exit 0
pids=()
for n in proxy object container account memcached; do
  f="$DIR/run/$n.pid"
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  # guard against a stale pid file whose PID now belongs to someone else
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
  case $n in memcached) want=memcached ;; *) want="$DIR/etc/$n-server.conf" ;; esac
  if alive "$pid" && [[ $cmd == *"$want"* ]]; then kill -TERM "$pid" 2>/dev/null && pids+=("$pid"); fi
  rm -f "$f"
done
for _ in $(seq 50); do   # up to 5 s, then SIGKILL
  left=()
  for pid in "${pids[@]}"; do alive "$pid" && left+=("$pid"); done
  [ ${#left[@]} -eq 0 ] && break
  sleep 0.1
done
for pid in "${left[@]}"; do kill -KILL "$pid" 2>/dev/null; done
if [ "${2:-}" = --wipe ]; then rm -rf "$DIR"; fi
exit 0
