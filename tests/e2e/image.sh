#!/usr/bin/env bash
# make image: the OCI image of Berth, built with buildah, pushed into a running Berth with buildah
# and pulled back with skopeo; the pulled image says what a container runtime needs (non-root
# user, port 5000, the /var/lib/berth volume) and its root file system alone runs Berth as that
# user. (No container runtime can start here: the sandbox refuses crun's setrlimit calls.)
source "$(dirname "$0")/lib.sh"
STORE="$WORK/containers"
export BUILDAH_FLAGS="--root $STORE/root --runroot $STORE/run --storage-driver vfs"
if OUT="$WORK/image" BERTH_BIN="$BERTH_BIN" "$ROOT/scripts/make-image.sh" >"$WORK/make-image.out" 2>&1; then
  pass
else
  fail "make-image: $(cat "$WORK/make-image.out")"
fi
cat "$WORK/make-image.out"
VERSION=$("$BERTH_BIN" --version | awk '{print $2}')

berth_start
cat >"$WORK/policy.json" <<'JSON'
{"default": [{"type": "insecureAcceptAnything"}]}
JSON
# shellcheck disable=SC2086
if buildah $BUILDAH_FLAGS push --quiet --tls-verify=false --creds "$AK:$SK" \
  "localhost/berth:$VERSION" "docker://$BERTH_HOST/berth/server:$VERSION" >"$WORK/push.out" 2>&1; then
  pass
else
  fail "buildah push into Berth: $(cat "$WORK/push.out")"
fi
if skopeo --policy "$WORK/policy.json" copy --quiet --src-tls-verify=false --src-creds "$AK:$SK" \
  "docker://$BERTH_HOST/berth/server:$VERSION" "oci:$WORK/pulled:$VERSION" >"$WORK/pull.out" 2>&1; then
  pass
else
  fail "skopeo pull from Berth: $(cat "$WORK/pull.out")"
fi
req HEAD "/v2/berth/server/manifests/$VERSION" -I
expect_status 200 "the image's tag is in Berth"

# What the pulled image tells a runtime.
python3 - "$WORK/pulled" "$WORK/rootfs" >"$WORK/config.json" <<'PY'
import json, os, sys, tarfile
layout, rootfs = sys.argv[1:3]
blob = lambda d: os.path.join(layout, "blobs", *d.split(":"))
index = json.load(open(os.path.join(layout, "index.json")))
manifest = json.load(open(blob(index["manifests"][0]["digest"])))
config = json.load(open(blob(manifest["config"]["digest"])))
os.makedirs(rootfs)
for layer in manifest["layers"]:
    with tarfile.open(blob(layer["digest"])) as t:
        t.extractall(rootfs, numeric_owner=True)
json.dump(config["config"], sys.stdout)
PY
jq_is() { local got; got=$(jq -c "$1" "$WORK/config.json"); if [ "$got" = "$2" ]; then pass; else fail "image config $1 is $got, want $2"; fi; }
jq_is .User '"10001:10001"'
jq_is .ExposedPorts '{"5000/tcp":{}}'
jq_is .Volumes '{"/var/lib/berth":{}}'
jq_is .Entrypoint '["/usr/bin/berth"]'
jq_is .Cmd '["serve","--listen","0.0.0.0:5000","--data","/var/lib/berth"]'
jq_is .WorkingDir '"/var/lib/berth"'
check "the data directory belongs to the image's user" test "$(stat -c %u "$WORK/rootfs/var/lib/berth")" = 10001
size=$(du -sm "$WORK/rootfs" | cut -f1)
# A sanitizer build's instrumented code and runtimes are no measure of the release image. (ldd's
# output is read whole: `ldd | grep -q` fails under pipefail when grep stops reading early.)
libraries=$(ldd "$BERTH_BIN" 2>&1 || true)
if [[ $libraries == *libasan* ]]; then
  echo "image of a sanitizer build: ${size} MB unpacked"
else
  check "the image is small (${size} MB unpacked)" test "$size" -lt 40
fi

# The root file system alone runs Berth, as the image's user, with the image's command; /proc
# as a container runtime mounts it (a sanitizer build reads /proc/self/maps).
mkdir -p "$WORK/rootfs/proc"
mount -t proc proc "$WORK/rootfs/proc"
trap 'umount "$WORK/rootfs/proc" 2>/dev/null || true; cleanup' EXIT
port=$(free_port)
chroot --userspec=10001:10001 "$WORK/rootfs" /usr/bin/berth serve --listen "127.0.0.1:$port" \
  --data /var/lib/berth >"$WORK/image-berth.out" 2>"$WORK/image-berth.log" &
pid=$!
code=000
for _ in $(seq 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" || true)
  [ "$code" = 401 ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
check "Berth from the pulled image serves /v2/ (answered $code)" test "$code" = 401
check "it wrote its admin credentials as its user" test "$(stat -c %u "$WORK/rootfs/var/lib/berth/admin-credentials" 2>/dev/null)" = 10001
kill -TERM "$pid" 2>/dev/null || true
rc=0
wait "$pid" || rc=$?
check "it stopped cleanly" test "$rc" = 0
umount "$WORK/rootfs/proc"
# Layers extracted as root: let the scratch directory be removed.
chmod -R u+rwX "$WORK/rootfs" 2>/dev/null || true
finish
