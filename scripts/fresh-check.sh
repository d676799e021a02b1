#!/usr/bin/env bash
# Proves the README's commands work on a machine that has nothing but Debian 12's minimal
# system: builds a bare root with mmdebstrap (make, git, ca-certificates and curl on top of apt,
# as a new user's machine has), copies this checkout in, runs `make run` there and fails unless
# `/v2/` answers. With FRESH_TEST=1 it then runs `make test` in the same root: every install
# step and the whole build, then the unit tests and the `smoke` suites, one per client and server
# the tests install (FRESH_TEST=all: every suite).
#
# Packages installed by hand on this machine cannot hide from it: the root starts empty.
#
# usage: scripts/fresh-check.sh          (as root; needs mmdebstrap, installed if missing)
# env:   FRESH_TEST=1       also run `make test TEST_LABELS='unit|smoke'` inside the root
#        FRESH_TEST=all     also run the whole `make test` inside the root
#        FRESH_ROOT=DIR     where to build the root (default: a new directory under /var/tmp)
#        FRESH_KEEP=1       keep the root afterwards (for a look inside)
#        FRESH_TIMEOUT=SEC  how long `make run` may take to serve (default 1800)
#        FRESH_CCACHE=0     do not lend the root this machine's compiler cache
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

[ "$(id -u)" -eq 0 ] || { echo "fresh-check: run as root (mmdebstrap and chroot need it)" >&2; exit 2; }
scripts/install-deps.sh mmdebstrap

ROOT=${FRESH_ROOT:-$(mktemp -d /var/tmp/berth-fresh.XXXXXX)}
TIMEOUT=${FRESH_TIMEOUT:-1800}
PORT=$(free_port)
LOG=$ROOT.log
SERVER_PID=""

log() { echo "fresh-check: $*"; }

cleanup() {
  local rc=$?
  if [ -n "$SERVER_PID" ]; then
    # Stop `make run` and berth under it, wherever they are in the process tree.
    kill -TERM -- -"$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- -"$SERVER_PID" 2>/dev/null || true
  fi
  # A test's leftovers inside the root would hold its mounts.
  root_release "$ROOT"
  if [ "${FRESH_KEEP:-0}" != 1 ] && [ -z "${FRESH_ROOT:-}" ]; then
    # A mount left inside (the lent compiler cache above all) must not be emptied with the root.
    if grep -q " $ROOT/" /proc/self/mounts; then log "mounts remain in $ROOT; kept"; else rm -rf --one-file-system "$ROOT"; fi
  fi
  [ $rc -eq 0 ] || { log "FAILED; the last lines of $LOG:"; tail -n 40 "$LOG" 2>/dev/null || true; }
  exit $rc
}
trap cleanup EXIT

if [ ! -x "$ROOT/usr/bin/make" ]; then
  log "making a bare Debian 12 root in $ROOT"
  rm -rf --one-file-system "$ROOT"
  start=$SECONDS
  mmdebstrap --quiet --variant=apt --include=make,git,ca-certificates,curl bookworm "$ROOT" >"$LOG" 2>&1
  log "root made in $((SECONDS - start)) s"
fi

# Container tools remount `/`, so the root must be a mount point; they also need proc, sys, dev.
root_mount --bind "$ROOT" "$ROOT"
root_mount -t proc proc "$ROOT/proc"
root_mount --rbind /sys "$ROOT/sys"
root_mount --make-rslave "$ROOT/sys"
root_mount --rbind /dev "$ROOT/dev"
root_mount --make-rslave "$ROOT/dev"
mkdir -p "$ROOT/run" "$ROOT/tmp"
root_mount -t tmpfs tmpfs "$ROOT/run"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# The rest of this machine's network as the root sees it: certificate authorities it adds (an
# egress proxy's) and npm's setting naming them. A new machine on a plain network needs none of
# this, and none of it installs a package.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$ROOT/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
  chroot "$ROOT" update-ca-certificates >/dev/null 2>&1 || log "update-ca-certificates failed in the root"
fi
for npmrc in /etc/npmrc /usr/etc/npmrc; do
  if [ -f "$npmrc" ]; then mkdir -p "$ROOT$(dirname "$npmrc")" && cp "$npmrc" "$ROOT$npmrc"; fi
done
# This machine's compiler cache, so the root's builds reuse what CI already compiled. It cannot
# hide a missing package: a cached result counts only if every header it read is still there
# with the same contents, and otherwise the root's own preprocessor and compiler run.
# FRESH_CCACHE=0 builds from nothing.
host_cache=$(ccache -k cache_dir 2>/dev/null || true)
if [ "${FRESH_CCACHE:-1}" = 1 ] && [ -n "$host_cache" ]; then
  mkdir -p "$host_cache" "$ROOT/root/.cache/ccache"
  root_mount --bind "$host_cache" "$ROOT/root/.cache/ccache"
fi

# The checkout as it is (tracked and new files, not build output), as a user's clone would be.
rm -rf "$ROOT/berth-run"
mkdir -p "$ROOT/berth-run"
copy_checkout "$ROOT/berth-run"
git -C "$ROOT/berth-run" init -q 2>/dev/null || true

# A command in the root with a login's clean environment.
IN_ROOT=(chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  LANG=C.UTF-8 TERM=dumb)

log "make run in the bare root (port $PORT); output in $LOG"
start=$SECONDS
setsid "${IN_ROOT[@]}" /bin/bash -c "cd /berth-run && exec make run LISTEN=127.0.0.1:$PORT" >>"$LOG" 2>&1 &
SERVER_PID=$!
served=""
while [ $((SECONDS - start)) -lt "$TIMEOUT" ]; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    log "make run exited before serving"
    exit 1
  fi
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v2/" || true)
  # 401 with a challenge is the answer of a registry that wants credentials: it serves.
  if [ "$code" = 401 ] || [ "$code" = 200 ]; then served=$code; break; fi
  sleep 2
done
[ -n "$served" ] || { log "/v2/ did not answer within $TIMEOUT s"; exit 1; }
log "/v2/ answered $served after $((SECONDS - start)) s of make run"
grep -q "admin credentials: " "$LOG" || { log "make run did not say where the admin credentials are"; exit 1; }
creds=$ROOT/berth-run/data/admin-credentials
ak=$(sed -n 's/^aws_access_key_id = //p' "$creds")
sk=$(sed -n 's/^aws_secret_access_key = //p' "$creds")
code=$(curl -s -o /dev/null -w '%{http_code}' -u "$ak:$sk" "http://127.0.0.1:$PORT/v2/")
[ "$code" = 200 ] || { log "/v2/ with the printed admin credentials answered $code"; exit 1; }
log "the printed admin credentials are accepted"

kill -TERM -- -"$SERVER_PID" 2>/dev/null || true
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""

if [ "${FRESH_TEST:-0}" != 0 ]; then
  # The host's `make test` runs every suite; here what matters is that a bare machine installs,
  # builds and runs each kind of test, which the smoke suites show in a fraction of the time.
  make_test="make test TEST_LABELS='unit|smoke'"
  [ "$FRESH_TEST" = all ] && make_test="make test"
  log "$make_test in the bare root"
  start=$SECONDS
  if ! "${IN_ROOT[@]}" /bin/bash -c "cd /berth-run && $make_test" >>"$LOG" 2>&1; then
    log "make test failed in the bare root"
    exit 1
  fi
  log "make test passed in the bare root in $((SECONDS - start)) s"
  grep -E "tests passed|tests failed" "$LOG" | tail -n 1
fi
log "OK"
