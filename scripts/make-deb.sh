#!/usr/bin/env bash
# make deb: builds the Debian package of Berth (packaging/debian) from this checkout with
# Debian's own tools (debhelper, dpkg-buildpackage: hardening flags, shared-library dependencies,
# maintainer scripts for the systemd unit), then checks it with lintian.
#
# Output: $OUT/berth_<version>_<arch>.deb (OUT defaults to build/deb).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
OUT=${OUT:-$PWD/build/deb}
VERSION=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
SRC="$OUT/berth-$VERSION"

rm -rf "$OUT"
mkdir -p "$SRC"
# The sources as a clone would have them: tracked and new files, not build output or data.
copy_checkout "$SRC"
cp -r packaging/debian "$SRC/debian"

# debhelper gives the build its own HOME; the compile cache stays the one make build uses.
CCACHE_DIR=${CCACHE_DIR:-$(ccache -k cache_dir 2>/dev/null || true)}
[ -z "$CCACHE_DIR" ] || export CCACHE_DIR
# And npm's download cache (the console's packages) stays the user's.
export npm_config_cache=${npm_config_cache:-$(npm config get cache 2>/dev/null || echo "$HOME/.npm")}
ROOT_CMD=()
[ "$(id -u)" -eq 0 ] || ROOT_CMD=(-rfakeroot)
(cd "$SRC" && dpkg-buildpackage -b -us -uc "${ROOT_CMD[@]}" -j"${JOBS:-2}") >"$OUT/build.log" 2>&1 ||
  { tail -n 60 "$OUT/build.log"; echo "make deb: the package build failed (log: $OUT/build.log)" >&2; exit 1; }
DEB=$(ls "$OUT"/berth_"$VERSION"_*.deb)
echo "built $DEB"
dpkg-deb --info "$DEB" | sed -n '/Package:/,$p'
dpkg-deb --contents "$DEB" | awk '{print "  " $1, $2, $6}'

# lintian: errors and warnings fail the build; what is overridden is justified in
# packaging/debian/berth.lintian-overrides.
lintian --fail-on error,warning --display-info "$DEB"
echo "lintian: clean"
