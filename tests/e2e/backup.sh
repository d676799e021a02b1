#!/usr/bin/env bash
# berth backup while Berth serves and takes pushes: every image acknowledged before the backup
# began is in it byte for byte, nothing in it refers to a missing blob, the backup is a data
# directory that `berth serve` serves with the same credentials; hard links on the same file
# system, copies with --copy or across file systems.
source "$(dirname "$0")/lib.sh"
CLIENT="$(dirname "$0")/backup_client.py"
berth_start --log-level warn

# Images that exist before anything else happens.
for repo in seed/one seed/two seed/three; do
  python3 "$CLIENT" push "$BERTH_URL" "$AK" "$SK" "$repo" 15 "$WORK/manifests" "$WORK/acked" ||
    fail "seeding $repo"
done

# Pushers that keep going through every backup.
pids=()
for c in 1 2 3; do
  python3 "$CLIENT" push "$BERTH_URL" "$AK" "$SK" "busy/client$c" 0 "$WORK/manifests" "$WORK/acked" \
    "$WORK/stop" >"$WORK/pusher$c.log" 2>&1 &
  pids+=($!)
done
seeded=$(wc -l <"$WORK/acked")
for _ in $(seq 200); do [ "$(wc -l <"$WORK/acked")" -ge $((seeded + 3)) ] && break; sleep 0.05; done

# backup DEST [flags]: a backup taken while the pushers run; what was acknowledged when it began
# is kept in DEST.acked.
backup() {
  local dest="$1"
  shift
  cp "$WORK/acked" "$dest.acked"
  if "$BERTH_BIN" backup --data "$BERTH_DATA" --to "$dest" "$@" >"$dest.out" 2>&1; then
    pass
  else
    fail "berth backup --to $dest $*: $(cat "$dest.out")"
  fi
  cat "$dest.out"
}
backup "$WORK/backup-linked"
backup "$WORK/backup-copied" --copy
# /dev/shm is another file system on most machines: links fail there and blobs are copied.
SHM_DEST=""
if [ -d /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$WORK")" ]; then
  SHM_DEST=$(mktemp -u /dev/shm/berth-backup.XXXXXX)
  backup "$SHM_DEST"
fi
during=$(wc -l <"$WORK/acked")
sleep 0.5
touch "$WORK/stop"
for pid in "${pids[@]}"; do
  if wait "$pid"; then pass; else fail "a pusher failed during the backups: $(cat "$WORK"/pusher*.log)"; fi
done
check "pushes went on during the backups ($seeded seeded, $(wc -l <"$WORK/acked") in all)" \
  test "$(wc -l <"$WORK/acked")" -gt "$during"

check "same file system: blobs hard-linked, none copied" grep -qE "[1-9][0-9]* hard-linked, 0 copied" "$WORK/backup-linked.out"
blob=$(find "$WORK/backup-linked/blobs" -type f -print -quit)
check "a linked blob is the source's file" test "$(stat -c %h "$blob")" -ge 2
check "--copy: no hard links" grep -qE " 0 hard-linked, [1-9][0-9]* copied" "$WORK/backup-copied.out"
blob=$(find "$WORK/backup-copied/blobs" -type f -print -quit)
check "a copied blob is its own file" test "$(stat -c %h "$blob")" = 1
if [ -n "$SHM_DEST" ]; then
  check "another file system: blobs copied" grep -qE " 0 hard-linked, [1-9][0-9]* copied" "$SHM_DEST.out"
fi
check "no staging directory is left" test -z "$(find "$WORK" -maxdepth 1 -name '*.partial')"
check "secret files keep mode 0600" test "$(stat -c %a "$WORK/backup-linked/secret.key")" = 600

# Each backup served by its own Berth, with the source's credentials.
for dest in "$WORK/backup-linked" "$WORK/backup-copied" $SHM_DEST; do
  port=$(free_port)
  "$BERTH_BIN" serve --listen "127.0.0.1:$port" --data "$dest" >"$dest.serve.out" 2>"$dest.serve.log" &
  pid=$!
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
  if python3 "$CLIENT" verify "http://127.0.0.1:$port" "$AK" "$SK" "$dest.acked" >"$dest.verify" 2>&1; then
    pass
  else
    fail "$dest lacks an image acknowledged before it began: $(cat "$dest.verify")"
  fi
  if python3 "$CLIENT" sound "http://127.0.0.1:$port" "$AK" "$SK" >"$dest.sound" 2>&1; then
    pass
  else
    fail "$dest refers to a missing blob: $(cat "$dest.sound")"
  fi
  cat "$dest.verify" "$dest.sound"
  # The backup is a live registry: it takes a push.
  python3 "$CLIENT" push "http://127.0.0.1:$port" "$AK" "$SK" after/backup 1 "$WORK/manifests" "$dest.after" ||
    fail "push into the served backup"
  kill -TERM "$pid"
  rc=0
  wait "$pid" || rc=$?
  check "berth serving $dest shut down cleanly" test "$rc" = 0
done
[ -n "$SHM_DEST" ] && rm -rf "$SHM_DEST" "$SHM_DEST".*

# The source is unharmed by being backed up.
if python3 "$CLIENT" verify "$BERTH_URL" "$AK" "$SK" "$WORK/acked" >"$WORK/source.verify" 2>&1; then pass; else
  fail "the source after the backups: $(cat "$WORK/source.verify")"
fi

# Refusals: an existing destination, a directory that holds no Berth data.
if "$BERTH_BIN" backup --data "$BERTH_DATA" --to "$WORK/backup-linked" >"$WORK/again.out" 2>&1; then
  fail "a backup over an existing directory succeeded"
else
  check "a backup never writes into an existing directory" grep -q "already exists" "$WORK/again.out"
fi
mkdir -p "$WORK/empty"
if "$BERTH_BIN" backup --data "$WORK/empty" --to "$WORK/backup-empty" >"$WORK/empty.out" 2>&1; then
  fail "a backup of a directory without Berth data succeeded"
else
  check "a backup of a non-data directory says so" grep -q "not a Berth data directory" "$WORK/empty.out"
fi
finish
