#!/usr/bin/env bash
# Run a command air-gapped: in a new network namespace whose only interface is loopback.
#
#   bash infra/airgapped.sh CMD [ARG...]      e.g.  bash infra/airgapped.sh make test
#
# As root: `unshare -n`; otherwise `unshare -rn` (a user namespace that maps you to root, so
# what needs the real root — PostgreSQL started as user postgres — may not work there). Inside,
# loopback is brought up (a new namespace starts with it down), uv and pip are told to stay
# offline, and CMD runs with its exit status. Whatever in CMD reaches past loopback fails as on a
# network with no internet; the test suite's own guard (tests/fixtures/network_guard.py) names
# what a Python socket in the test process tried, this covers every process (CLI, uvicorn
# workers, Airflow, DuckDB's and libpq's C code).
#
# Install first, with the network (`make install system-deps`): nothing here downloads.
# When no namespace can be made (no unshare, not permitted in this container), CMD runs WITH the
# network after a loud warning; ZT_AIRGAPPED=require makes that an error (exit 3) instead.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: bash infra/airgapped.sh CMD [ARG...]" >&2
  exit 2
fi

INSIDE=__zt_airgapped_inside__  # the first argument of this script run again in the namespace
if [ "$1" = "$INSIDE" ]; then
  shift
  ip link set lo up
  if ip -o link show | grep -v ': lo:' | grep -q .; then
    echo "airgapped: the namespace has interfaces other than loopback" >&2
    exit 3
  fi
  export UV_OFFLINE=1 PIP_NO_INDEX=1
  exec "$@"
fi

if [ "$(id -u)" -eq 0 ]; then
  flags=(--net)
else
  flags=(--map-root-user --net)
fi
why=""
if ! command -v unshare > /dev/null 2>&1; then
  why="unshare is not installed (util-linux)"
elif ! command -v ip > /dev/null 2>&1; then
  why="ip is not installed (iproute2)"
elif ! unshare "${flags[@]}" ip link set lo up 2> /dev/null; then
  why="unshare ${flags[*]} is not permitted here"
fi

if [ -z "$why" ]; then
  echo "airgapped: in a network namespace with only loopback: $*" >&2
  exec unshare "${flags[@]}" bash "$0" "$INSIDE" "$@"
fi

if [ "${ZT_AIRGAPPED:-}" = require ]; then
  echo "airgapped: cannot make a network namespace: $why" >&2
  exit 3
fi
cat >&2 << EOF
########################################################################################
airgapped: cannot make a network namespace ($why).
airgapped: running WITH THE NETWORK, so this run does not prove air-gapped operation: $*
########################################################################################
EOF
exec "$@"
