#!/usr/bin/env bash
# Installs the Debian 12 packages named as arguments, skipping those already installed, so that
# `make run` and `make test` set up a fresh machine and cost nothing on a prepared one.
set -euo pipefail
missing=()
for pkg in "$@"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# An install can fail on a stale package index; refresh it and try once more.
$SUDO apt-get install -y --no-install-recommends "${missing[@]}" ||
  { $SUDO apt-get update -q && $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; }
