#!/usr/bin/env bash
# Installs what the test suite needs beyond npm: Debian's python3-grpcio (the
# independent gRPC peer, built on gRPC's C core), python3-protobuf and protoc,
# etcd (a real registry for discovery tests) and nginx (an LB proxy in front
# of several servers). Runs apt-get only when something is missing; needs root
# (or sudo) for that.
set -euo pipefail

PY=/usr/bin/python3
missing=()
[ -x "$PY" ] && "$PY" -c 'import grpc' 2>/dev/null || missing+=(python3-grpcio)
[ -x "$PY" ] && "$PY" -c 'import google.protobuf' 2>/dev/null || missing+=(python3-protobuf)
command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
command -v etcd >/dev/null 2>&1 || [ -x /usr/bin/etcd ] || missing+=(etcd-server)
[ -x /usr/sbin/nginx ] || missing+=(nginx)

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
