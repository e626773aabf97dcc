#!/usr/bin/env bash
# Installs PostgreSQL from Debian's `postgresql` package: the server binaries
# (initdb, pg_ctl, postgres) that the tests start a throwaway cluster with,
# and that a user runs for a multi-node deployment (README, "Scaling out").
# `make test` and `make postgres` call it; it does nothing when the package is
# there. It never starts or configures a cluster: the tests make their own in
# a temporary folder (tests/postgres.py), and a deployment keeps Debian's.
set -euo pipefail

installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' postgresql 2>/dev/null)" = installed ]
}

if installed; then
  exit 0
fi
if ! command -v apt-get >/dev/null || [ "$(id -u)" -ne 0 ]; then
  echo "error: PostgreSQL is not installed: run as root on Debian (apt-get install" \
    "postgresql), or install it yourself and put its bin folder (pg_config --bindir)" \
    "on PATH" >&2
  exit 1
fi
apt-get update -qq
# Debian's package would start a cluster of its own: not here (policy-rc.d says
# no to every service start while the package installs).
policy=/usr/sbin/policy-rc.d
cleanup() { [ -f "$policy.ilios" ] && rm -f "$policy" "$policy.ilios"; true; }
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && touch "$policy.ilios"
  trap cleanup EXIT
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
installed
