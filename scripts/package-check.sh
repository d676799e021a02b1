#!/usr/bin/env bash
# make package-check: the Debian package installs on a minimal Debian 12 (mmdebstrap minbase,
# with apt resolving the package's dependencies), creates its user, data directory and
# configuration, its systemd unit passes `systemd-analyze verify`, and the service's command,
# run as the service's user, serves /v2/ with its data in /var/lib/berth. Removal keeps the
# data; purge removes it.
#
# usage: scripts/package-check.sh [DEB]   (as root; builds the package with make-deb.sh if no DEB)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "package-check: run as root" >&2; exit 2; }
scripts/install-deps.sh mmdebstrap
DEB=${1:-}
if [ -z "$DEB" ]; then
  scripts/make-deb.sh
  DEB=$(ls build/deb/berth_*.deb)
fi
DEB=$(realpath "$DEB")
ROOT=$(mktemp -d /var/tmp/berth-package.XXXXXX)
PORT=$(free_port)
PID=""
log() { echo "package-check: $*"; }
cleanup() {
  local rc=$?
  [ -z "$PID" ] || kill -TERM "$PID" 2>/dev/null || true
  root_release "$ROOT"
  rm -rf --one-file-system "$ROOT"
  [ $rc -eq 0 ] || log "FAILED"
  exit $rc
}
trap cleanup EXIT
fail() { log "$*"; exit 1; }
IN_ROOT=(chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)
in_root() { "${IN_ROOT[@]}" "$@"; }
# Owner names as the root's own /etc/passwd has them.
st() { in_root stat -c "$1" "$2"; }

log "installing $(basename "$DEB") into a minimal Debian 12 root"
start=$SECONDS
# apt installs the package from its file, with exactly the dependencies it declares.
mmdebstrap --quiet --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
  --include="curl,systemd,man-db,$DEB" bookworm "$ROOT" >"$ROOT.log" 2>&1 ||
  { tail -n 30 "$ROOT.log"; fail "mmdebstrap with the package failed"; }
rm -f "$ROOT.log"
log "installed in $((SECONDS - start)) s"
root_mount -t proc proc "$ROOT/proc"
root_mount --bind /dev "$ROOT/dev"

version=$(in_root berth --version)
[ "$version" = "berth $(dpkg-deb -f "$DEB" Version)" ] || fail "berth --version says '$version'"
log "$version at /usr/bin/berth"
in_root getent passwd berth | grep -q ':/var/lib/berth:' || fail "no berth user with home /var/lib/berth"
uid=$(in_root id -u berth)
[ "$uid" -lt 1000 ] || fail "berth is not a system user (uid $uid)"
[ "$(st '%U %a' /var/lib/berth)" = "berth 750" ] || fail "/var/lib/berth is $(st '%U %a' /var/lib/berth)"
[ "$(st '%U:%G %a' /etc/berth/berth.conf)" = "root:berth 640" ] || fail "berth.conf is $(st '%U:%G %a' /etc/berth/berth.conf)"
grep -qx /etc/berth/berth.conf "$ROOT/var/lib/dpkg/info/berth.conffiles" || fail "berth.conf is not a conffile"
log "user berth (uid $uid), /var/lib/berth 0750, /etc/berth/berth.conf a conffile 0640"

# systemd's own check of the unit: directives, the executable, the user, the man page it names.
if ! in_root systemd-analyze verify /lib/systemd/system/berth.service >"$ROOT/verify.out" 2>&1; then
  cat "$ROOT/verify.out"; fail "systemd-analyze verify failed"
fi
[ ! -s "$ROOT/verify.out" ] || { cat "$ROOT/verify.out"; fail "systemd-analyze verify complained"; }
in_root systemctl is-enabled berth.service >/dev/null || fail "berth.service is not enabled"
security=$(in_root systemd-analyze security --offline=true /lib/systemd/system/berth.service 2>/dev/null | tail -n 1 || true)
log "systemd-analyze verify: clean, enabled; ${security:-exposure not rated here}"

# The unit's ExecStart, as its user, from its working directory (no systemd runs here).
exec_start=$(sed -n 's/^ExecStart=//p' "$ROOT/lib/systemd/system/berth.service")
"${IN_ROOT[@]}" /bin/sh -c "cd /var/lib/berth && exec setpriv --reuid=berth --regid=berth --init-groups $exec_start --listen 127.0.0.1:$PORT" \
  >"$ROOT/serve.out" 2>"$ROOT/serve.log" &
PID=$!
code=""
for _ in $(seq 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v2/" || true)
  [ "$code" = 401 ] && break
  kill -0 "$PID" 2>/dev/null || { cat "$ROOT/serve.log"; fail "berth exited"; }
  sleep 0.1
done
[ "$code" = 401 ] || fail "/v2/ answered '$code'"
creds=$ROOT/var/lib/berth/admin-credentials
[ "$(st '%U %a' /var/lib/berth/admin-credentials)" = "berth 600" ] || fail "admin-credentials is $(st '%U %a' /var/lib/berth/admin-credentials)"
ak=$(sed -n 's/^aws_access_key_id = //p' "$creds"); sk=$(sed -n 's/^aws_secret_access_key = //p' "$creds")
[ "$(curl -s -o /dev/null -w '%{http_code}' -u "$ak:$sk" "http://127.0.0.1:$PORT/v2/")" = 200 ] || fail "the admin key is refused"
[ "$(st %U /var/lib/berth/meta.db)" = berth ] || fail "meta.db is not berth's"
kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
[ "$rc" = 0 ] || { tail -n 5 "$ROOT/serve.log"; fail "berth did not stop cleanly (exit $rc)"; }
PID=""
log "the service's command as user berth serves /v2/ (401, then 200 with the admin key); data in /var/lib/berth"

in_root apt-get remove -y -q berth >/dev/null 2>&1 || fail "apt-get remove failed"
[ -f "$ROOT/var/lib/berth/meta.db" ] || fail "remove deleted the registry's data"
in_root apt-get purge -y -q berth >/dev/null 2>&1 || fail "apt-get purge failed"
[ ! -e "$ROOT/var/lib/berth" ] || fail "purge left /var/lib/berth"
[ ! -e "$ROOT/etc/berth/berth.conf" ] || fail "purge left berth.conf"
log "remove keeps /var/lib/berth; purge removes it and the configuration"
log "OK"
