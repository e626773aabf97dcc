#!/usr/bin/env bash
# Runs the go command for clients/go offline, against Debian's Go packages.
# Debian 12 ships Go libraries as source under /usr/share/gocode, not as a
# module cache, and the Go module proxy may be unreachable, so this builds in
# GOPATH mode: build/gopath/src/ilios.dev/clients/go links to clients/go.
#   scripts/go.sh build -o build/bin/ilios-convert ilios.dev/clients/go/cmd/ilios-convert
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
gopath=$root/build/gopath
mkdir -p "$gopath/src/ilios.dev/clients"
ln -sfn "$root/clients/go" "$gopath/src/ilios.dev/clients/go"
export GO111MODULE=off GOFLAGS= GOPROXY=off
export GOPATH="$gopath:/usr/share/gocode"
export GOCACHE="${GOCACHE:-$root/build/go-cache}"
exec go "$@"
