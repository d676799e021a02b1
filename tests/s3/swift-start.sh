#!/usr/bin/env bash
# (From the team's tested infra notes.) Start a throwaway, loopback-only OpenStack Swift "all in one" with the S3 API
# (s3api middleware + tempauth).  Debian bookworm packages needed:
#   swift swift-proxy swift-account swift-container swift-object python3-swift memcached
#
# usage: swift-start.sh DATA_DIR PORT
#   PORT   = S3 endpoint (swift-proxy).  Also used: PORT+1 account, PORT+2 container,
#            PORT+3 object, PORT+4 memcached, PORT+9 (UDP, syslog sink, nothing listens).
#   env:   S3_ACCESS_KEY (must be "account:user", default test:tester)
#          S3_SECRET_KEY (default testing)   S3_REGION (default us-east-1)
#          S3_READY_TIMEOUT (seconds, default 60)
# prints (stdout, shell-sourceable): S3_ENDPOINT=... S3_ACCESS_KEY=... S3_SECRET_KEY=... S3_REGION=...
# stop with: swift-stop.sh DATA_DIR
set -euo pipefail
alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $s != Z* ]]; }  # zombies are dead

die() { echo "swift-start: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: $0 DATA_DIR PORT"
DIR=$1 PORT=$2
[[ $PORT =~ ^[0-9]+$ ]] || die "bad port: $PORT"
ACCESS_KEY=${S3_ACCESS_KEY:-test:tester}
SECRET_KEY=${S3_SECRET_KEY:-testing}
REGION=${S3_REGION:-us-east-1}
READY_TIMEOUT=${S3_READY_TIMEOUT:-60}
[[ $ACCESS_KEY == *:* ]] || die "S3_ACCESS_KEY must look like account:user (tempauth)"
ACCOUNT=${ACCESS_KEY%%:*} USERNAME=${ACCESS_KEY#*:}
[[ $ACCOUNT =~ ^[A-Za-z0-9]+$ && $USERNAME =~ ^[A-Za-z0-9]+$ ]] || die "account/user must be alphanumeric"
[[ $SECRET_KEY =~ ^[A-Za-z0-9._~-]+$ ]] || die "S3_SECRET_KEY: use [A-Za-z0-9._~-] only"
PY=/usr/bin/python3
for b in swift-proxy-server swift-account-server swift-container-server swift-object-server memcached; do
  command -v "$b" >/dev/null || die "$b not installed"
done
# swift servers always read /etc/swift/swift.conf (hash prefix/suffix, storage policies);
# the Debian "swift" package ships one. Rings and the server configs live in DATA_DIR.
[ -r /etc/swift/swift.conf ] || die "/etc/swift/swift.conf missing (install the 'swift' package)"

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
if [ -e "$DIR/run/proxy.pid" ] && alive "$(cat "$DIR/run/proxy.pid")"; then
  die "already running in $DIR (run swift-stop.sh first)"
fi
mkdir -p "$DIR/etc" "$DIR/srv/node/d1" "$DIR/run" "$DIR/log" "$DIR/cache"
ME=$(id -un)
ACC_PORT=$((PORT+1)) CON_PORT=$((PORT+2)) OBJ_PORT=$((PORT+3)) MC_PORT=$((PORT+4)) LOG_PORT=$((PORT+9))
for p in $PORT $ACC_PORT $CON_PORT $OBJ_PORT $MC_PORT; do
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then die "port $p already in use"; fi
done

common() {  # $1 = port
  cat <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $1
workers = 0
user = $ME
swift_dir = $DIR/etc
devices = $DIR/srv/node
mount_check = false
# console logging goes to $DIR/log/*.log; syslog copy goes to an unused UDP port
log_udp_host = 127.0.0.1
log_udp_port = $LOG_PORT
log_level = INFO
EOF
}

{ common $ACC_PORT; cat <<EOF
[pipeline:main]
pipeline = healthcheck account-server
[filter:healthcheck]
use = egg:swift#healthcheck
[app:account-server]
use = egg:swift#account
EOF
} > "$DIR/etc/account-server.conf"

{ common $CON_PORT; cat <<EOF
[pipeline:main]
pipeline = healthcheck container-server
[filter:healthcheck]
use = egg:swift#healthcheck
[app:container-server]
use = egg:swift#container
# account (bucket list) updates: generous timeouts so a loaded CI box does not defer them
conn_timeout = 3
node_timeout = 30
EOF
} > "$DIR/etc/container-server.conf"

{ common $OBJ_PORT; cat <<EOF
[pipeline:main]
pipeline = healthcheck object-server
[filter:healthcheck]
use = egg:swift#healthcheck
[app:object-server]
use = egg:swift#object
# wait for the container (listing) update before answering the PUT/DELETE, so
# list-objects right after a write sees it even on a loaded box (default waits 1 s only)
container_update_timeout = 30
conn_timeout = 3
node_timeout = 30
network_chunk_size = 1048576
disk_chunk_size = 1048576
EOF
} > "$DIR/etc/object-server.conf"

{ common $PORT; cat <<EOF
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo versioned_writes proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true
# a loaded 2-core CI box: be patient with the backends
conn_timeout = 3
node_timeout = 60
recoverable_node_timeout = 60
client_timeout = 120
object_chunk_size = 1048576
client_chunk_size = 1048576

[filter:s3api]
use = egg:swift#s3api
location = $REGION
# max parts per upload (S3 allows 10000); min part size stays at S3's 5 MiB
max_upload_part_num = 10000

[filter:tempauth]
use = egg:swift#tempauth
user_${ACCOUNT}_${USERNAME} = $SECRET_KEY .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MC_PORT

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:versioned_writes]
use = egg:swift#versioned_writes
[filter:dlo]
use = egg:swift#dlo
EOF
} > "$DIR/etc/proxy-server.conf"

# Rings: 1 replica, 1 device, built in one python process (swift-ring-builder x9 is ~5 s slower).
rm -f "$DIR"/etc/*.ring.gz "$DIR"/etc/*.builder
$PY - "$DIR/etc" $ACC_PORT $CON_PORT $OBJ_PORT <<'EOF'
import sys, os
from swift.common.ring import RingBuilder
d = sys.argv[1]
for name, port in zip(('account', 'container', 'object'), map(int, sys.argv[2:5])):
    b = RingBuilder(8, 1, 1)   # part_power=8, replicas=1, min_part_hours=1
    b.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': port,
               'device': 'd1', 'weight': 100, 'meta': ''})
    b.rebalance()
    b.get_ring().save(os.path.join(d, name + '.ring.gz'))
    b.save(os.path.join(d, name + '.builder'))
EOF

start() {  # name, command...
  local name=$1; shift
  nohup "$@" >>"$DIR/log/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/run/$name.pid"
}
start memcached memcached -l 127.0.0.1 -p $MC_PORT -U 0 -m 64 -c 1024 -u "$ME"
start account   $PY /usr/bin/swift-account-server   "$DIR/etc/account-server.conf" -v
start container $PY /usr/bin/swift-container-server "$DIR/etc/container-server.conf" -v
start object    $PY /usr/bin/swift-object-server    "$DIR/etc/object-server.conf" -v
start proxy     $PY /usr/bin/swift-proxy-server     "$DIR/etc/proxy-server.conf" -v

fail() {
  echo "swift-start: $*" >&2
  tail -n 20 "$DIR"/log/*.log >&2 || true
  "$(dirname "$0")/swift-stop.sh" "$DIR" >&2 || true
  exit 1
}
deadline=$((SECONDS + READY_TIMEOUT))
for p in $ACC_PORT $CON_PORT $OBJ_PORT $PORT; do
  until [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$p/healthcheck)" = 200 ]; do
    for n in memcached account container object proxy; do
      alive "$(cat "$DIR/run/$n.pid")" || fail "$n died"
    done
    [ $SECONDS -lt $deadline ] || fail "timeout waiting for port $p"
    sleep 0.1
  done
done
# end-to-end: a SigV4-signed ListBuckets must succeed (auth + account server + memcache path)
# (curl's --user splits at the first ':', and the tempauth access key contains one, so the
#  credentials go in the URL with the colon %-encoded; curl 7.88 does not add
#  x-amz-content-sha256 by itself and s3api insists on it)
EMPTY_SHA=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
until [ "$(curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:$REGION:s3" \
           -H "x-amz-content-sha256: $EMPTY_SHA" \
           "http://$ACCOUNT%3A$USERNAME:$SECRET_KEY@127.0.0.1:$PORT/")" = 200 ]; do
  [ $SECONDS -lt $deadline ] || fail "timeout waiting for signed ListBuckets"
  sleep 0.2
done

echo "S3_ENDPOINT=http://127.0.0.1:$PORT"
echo "S3_ACCESS_KEY=$ACCESS_KEY"
echo "S3_SECRET_KEY=$SECRET_KEY"
echo "S3_REGION=$REGION"
