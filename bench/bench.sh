#!/usr/bin/env bash
# make bench: runs bench/run.py (Berth and distribution on local disks, with the machine's
# limits) and then bench/scaleout.py (one node each on PostgreSQL + S3, beside the embedded
# default and distribution on the same S3 store; BENCH_SCALEOUT=0 skips it) and bench/authz.py
# (a pull by an IAM user with 60 policy statements beside one by the root) and bench/gcbench.py
# (garbage collection beside distribution's and rm) and bench/scanbench.py (scanning beside
# gzip, pushes with and without scan on push) and bench/cachebench.py (cold pulls through the
# pull-through cache beside direct pulls and distribution's proxy mode) and bench/replbench.py
# (replication of a 1 GiB image beside skopeo copy between the same two Berths) and bench/console.py
# (the web console's first view of 10,000 repositories in headless Chromium), in a private mount
# namespace (as root), where each skopeo push gets an empty blob-info cache bind-mounted over
# /var/lib/containers/cache.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BERTH_BENCH_ISOLATED:-}" ] && [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
  mkdir -p /var/lib/containers/cache
  exec unshare -m --propagation private env BERTH_BENCH_ISOLATED=1 "$0" "$@"
fi
[ -n "${BERTH_BENCH_ISOLATED:-}" ] || echo "warning: not isolated; skopeo may mount blobs instead of uploading" >&2
python3 bench/run.py "$@"
if [ "${BENCH_SCALEOUT:-1}" != 0 ]; then python3 bench/scaleout.py; fi
python3 bench/authz.py
python3 bench/gcbench.py
python3 bench/scanbench.py
python3 bench/cachebench.py
python3 bench/replbench.py
# Debian's python3 (python3-selenium, python3-boto3), whichever python3 is first on PATH.
/usr/bin/python3 bench/console.py
