#!/usr/bin/env bash
# make image: an OCI image of Berth built with buildah from scratch: the binary, the shared
# libraries it links (as ldd resolves them on this Debian 12 build machine), CA certificates,
# a non-root user, the /var/lib/berth volume and port 5000. No base image is pulled: the image
# holds nothing Berth does not load, about 15 MB.
#
# Output: the image localhost/berth:<version> in buildah's storage and an OCI layout at
# $OUT/oci (tag <version>), which skopeo copy can push anywhere.
# env: BERTH_BIN (default build/berth), OUT (default build/image), BUILDAH_FLAGS (e.g.
#      "--root DIR --runroot DIR --storage-driver vfs" for a private store)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${BERTH_BIN:-build/berth}")
OUT=${OUT:-$PWD/build/image}
read -r -a FLAGS <<<"${BUILDAH_FLAGS:-}"
VERSION=$("$BIN" --version | awk '{print $2}')
NAME=localhost/berth:$VERSION
UID_GID=10001

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/usr/bin" "$stage/etc/ssl/certs" "$stage/tmp" "$stage/var/lib/berth"
install -m 0755 "$BIN" "$stage/usr/bin/berth"
strip --strip-unneeded "$stage/usr/bin/berth"
# Every library the dynamic linker loads, at the path it looks for it, and the linker itself.
ldd "$BIN" | awk '/=> \// {print $3} /^[ \t]*\// {print $1}' | while read -r lib; do
  mkdir -p "$stage$(dirname "$lib")"
  cp -L "$lib" "$stage$lib"
done
cp -L /etc/ssl/certs/ca-certificates.crt "$stage/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nberth:x:%s:%s:Berth:/var/lib/berth:/sbin/nologin\n' \
  $UID_GID $UID_GID >"$stage/etc/passwd"
printf 'root:x:0:\nberth:x:%s:\n' $UID_GID >"$stage/etc/group"
chmod 1777 "$stage/tmp"
chmod 0750 "$stage/var/lib/berth"
# The copy below keeps ownership: the data directory is the non-root user's.
chown -R $UID_GID:$UID_GID "$stage/var/lib/berth"

ctr=$(buildah "${FLAGS[@]}" from --quiet scratch)
cleanup_ctr() { buildah "${FLAGS[@]}" rm "$ctr" >/dev/null 2>&1 || true; rm -rf "$stage"; }
trap cleanup_ctr EXIT
tar -C "$stage" -cf "$stage.tar" --numeric-owner .
buildah "${FLAGS[@]}" add --quiet "$ctr" "$stage.tar" /
rm -f "$stage.tar"
created=$(git log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
buildah "${FLAGS[@]}" config \
  --user $UID_GID:$UID_GID \
  --workingdir /var/lib/berth \
  --port 5000/tcp \
  --volume /var/lib/berth \
  --entrypoint '["/usr/bin/berth"]' \
  --cmd 'serve --listen 0.0.0.0:5000 --data /var/lib/berth' \
  --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  --label org.opencontainers.image.title=berth \
  --label org.opencontainers.image.description="Container registry with the AWS ECR API" \
  --label org.opencontainers.image.version="$VERSION" \
  --label org.opencontainers.image.revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
  --label org.opencontainers.image.created="$created" \
  --os linux --arch amd64 \
  "$ctr"
buildah "${FLAGS[@]}" commit --quiet --format oci --rm "$ctr" "$NAME" >/dev/null
trap 'rm -rf "$stage"' EXIT
rm -rf "$OUT/oci"
mkdir -p "$OUT"
buildah "${FLAGS[@]}" push --quiet "$NAME" "oci:$OUT/oci:$VERSION"
size=$(du -sh "$OUT/oci" | cut -f1)
echo "built $NAME ($size), OCI layout $OUT/oci:$VERSION"
echo "push it: skopeo copy oci:$OUT/oci:$VERSION docker://REGISTRY/berth:$VERSION"
