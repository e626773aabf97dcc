#!/usr/bin/env bash
# Installs what `make proto` needs beyond the virtualenv and the buf CLI:
# - Debian 12 packages: protoc, the gRPC plugins (C++, Java, PHP, Ruby), the Go
#   plugins and Go with the gRPC/protobuf libraries (used offline, GOPATH mode);
# - the TypeScript toolchain pinned in clients/typescript/package-lock.json;
# - a CJK font for the test corpus (tests build a Chinese/Japanese PDF with it).
# Each step runs only when something is missing or out of date.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(
  protobuf-compiler                   # /usr/bin/protoc 3.21
  protobuf-compiler-grpc              # grpc_{cpp,php,python,ruby}_plugin
  protobuf-compiler-grpc-java-plugin  # grpc_java_plugin
  protoc-gen-go                       # protoc-gen-go 1.28 (APIv2)
  protoc-gen-go-grpc                  # protoc-gen-go-grpc (grpc-go 1.33)
  golang-go                           # go 1.19
  golang-google-grpc-dev              # google.golang.org/grpc in /usr/share/gocode
  golang-google-protobuf-dev          # google.golang.org/protobuf in /usr/share/gocode
  golang-github-golang-protobuf-1-5-dev  # github.com/golang/protobuf 1.5 (grpc-go needs it for APIv2
                                         # messages; it replaces the 1.3 that grpc-dev may pull in)
  fonts-droid-fallback                # DroidSansFallbackFull.ttf: CJK glyphs for the test corpus
)

missing=()
for deb in "${DEBS[@]}"; do
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$deb" 2>/dev/null)" != installed ]; then
    missing+=("$deb")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-codegen: installing Debian packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-codegen: run as root or install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

ts=clients/typescript
if [ ! -f "$ts/node_modules/.package-lock.json" ] || [ "$ts/package-lock.json" -nt "$ts/node_modules/.package-lock.json" ]; then
  echo "install-codegen: npm ci in $ts"
  npm ci --prefix "$ts" --no-audit --no-fund --loglevel=error
  touch "$ts/node_modules/.package-lock.json"
fi
