# Helpers shared by the scripts that build, package and check Berth. Source it.
#
# free_port                 a free TCP port on 127.0.0.1
# copy_checkout DEST        this checkout as a clone would have it (tracked and new files, as they
#                           are in the work tree; no build output or data) into DEST
# root_mount ARGS... TARGET mount, remembering TARGET for root_release
# root_release ROOT         kill whatever still runs inside ROOT (it holds the mounts), then
#                           unmount what root_mount mounted, last first

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

copy_checkout() {
  git ls-files -z --cached --others --exclude-standard |
    (while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done) |
    tar --null -T - -cf - | tar -xf - -C "$1"
}

ROOT_MOUNTS=()
root_mount() {
  mount "$@"
  ROOT_MOUNTS+=("${!#}")
}

root_release() {
  local root=$1 pid i
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    if [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$root" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  for ((i = ${#ROOT_MOUNTS[@]} - 1; i >= 0; i--)); do
    umount -l "${ROOT_MOUNTS[$i]}" 2>/dev/null || true
  done
  ROOT_MOUNTS=()
}
