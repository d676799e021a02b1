# Shared setup for the tests that drive skopeo, podman and buildah. Source it instead of lib.sh.
#
# As root these tools keep a blob-info cache in /var/lib/containers/cache that would make them
# mount blobs from earlier runs instead of uploading; the test re-runs itself in its own mount
# namespace with an empty directory over it, so every upload is real.
#
# containers_setup   after berth_start: a private registries.conf (Berth's address insecure),
#                    signature policy and auth file, and the commands SKOPEO, PODMAN and BUILDAH
#                    (arrays) with their own storage under $WORK
if [ -z "${BERTH_E2E_ISOLATED:-}" ] && [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
  exec unshare -m --propagation private env BERTH_E2E_ISOLATED=1 "$0" "$@"
fi
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if [ -n "${BERTH_E2E_ISOLATED:-}" ]; then
  mkdir -p /var/lib/containers/cache "$WORK/blob-info-cache"
  mount --bind "$WORK/blob-info-cache" /var/lib/containers/cache
fi

containers_setup() {
  cat >"$WORK/registries.conf" <<CONF
unqualified-search-registries = []
[[registry]]
location = "$BERTH_HOST"
insecure = true
CONF
  echo '{"default":[{"type":"insecureAcceptAnything"}]}' >"$WORK/policy.json"
  echo '{"auths":{}}' >"$WORK/auth.json"
  export CONTAINERS_REGISTRIES_CONF="$WORK/registries.conf" REGISTRIES_CONFIG_PATH="$WORK/registries.conf"
  export REGISTRY_AUTH_FILE="$WORK/auth.json"
  SKOPEO=(skopeo --policy "$WORK/policy.json" --registries-conf "$WORK/registries.conf")
  STORE=(--root "$WORK/storage" --runroot "$WORK/run" --storage-driver vfs)
  PODMAN=(podman "${STORE[@]}" --cgroup-manager cgroupfs --events-backend file)
  BUILDAH=(buildah "${STORE[@]}")
}
