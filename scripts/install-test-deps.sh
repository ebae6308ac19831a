#!/usr/bin/env bash
# Installs what the test suite needs beyond npm: Debian's python3-grpcio (the
# independent gRPC peer, built on gRPC's C core), python3-protobuf and protoc;
# Go with Debian's grpc-go, genproto, golang/protobuf 1.3 and its protoc
# plugin (testing/go-peer, the second independent peer); etcd (a real
# registry for discovery tests) and nginx (an LB proxy in front of several
# servers); openssl (certificates for the TLS tests); prometheus (a real scraper of the
# metrics endpoint; the tests run the binary themselves, never the system service). Runs
# apt-get only when something is missing; needs root (or sudo) for that.
set -euo pipefail

PY=/usr/bin/python3
missing=()
[ -x "$PY" ] && "$PY" -c 'import grpc' 2>/dev/null || missing+=(python3-grpcio)
[ -x "$PY" ] && "$PY" -c 'import google.protobuf' 2>/dev/null || missing+=(python3-protobuf)
command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v etcd >/dev/null 2>&1 || [ -x /usr/bin/etcd ] || missing+=(etcd-server)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -x /usr/bin/prometheus ] || missing+=(prometheus)
command -v go >/dev/null 2>&1 || missing+=(golang-go)
[ -f /usr/share/gocode/src/google.golang.org/grpc/server.go ] || missing+=(golang-google-grpc-dev)
[ -d /usr/share/gocode/src/google.golang.org/genproto/googleapis/rpc/errdetails ] || missing+=(golang-google-genproto-dev)
[ -d /usr/share/gocode/src/github.com/golang/protobuf/ptypes/wrappers ] || missing+=(golang-goprotobuf-dev)
# Debian's grpc-go 1.33 marshals with golang/protobuf 1.3, so the Go code must
# come from protoc-gen-go 1.3. Its package conflicts with protoc-gen-go (the
# API v2 generator, same /usr/bin path); that one is never removed from here.
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
if ! installed protoc-gen-go-1-3; then
  if installed protoc-gen-go; then
    echo "testing/go-peer needs protoc-gen-go-1-3, which replaces the installed protoc-gen-go;" >&2
    echo "not removing it: run \`apt-get install protoc-gen-go-1-3\` yourself, or the grpc-go peer tests fail naming it" >&2
  else
    missing+=(protoc-gen-go-1-3)
  fi
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "test dependencies missing: ${missing[*]}; installing with apt-get" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "cannot install as a non-root user without sudo; run as root:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq python3 "${missing[@]}" >/dev/null
