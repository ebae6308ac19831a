#!/usr/bin/env bash
# Builds testing/go-peer into the folder named by $1: go-peer (grpc-go's
# orders, greeter and lab server) and go-peer-client (the book's client), from Debian's Go packages alone (golang-go,
# golang-google-grpc-dev, golang-google-genproto-dev,
# golang-goprotobuf-dev, protoc-gen-go-1-3, which
# scripts/install-test-deps.sh installs): GOPATH mode, no module download.
set -euo pipefail

out=${1:?usage: build.sh OUTPUT_FOLDER}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
includes=$root/node_modules/google-proto-files

for tool in go protoc protoc-gen-go; do
  command -v "$tool" >/dev/null || { echo "go-peer: $tool is missing; run scripts/install-test-deps.sh as root" >&2; exit 3; }
done
[ -d /usr/share/gocode/src/google.golang.org/grpc ] || { echo "go-peer: golang-google-grpc-dev is missing; run scripts/install-test-deps.sh as root" >&2; exit 3; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkg=$work/src/switchboard/gopeer
mkdir -p "$pkg/ecommerce" "$pkg/helloworld" "$pkg/lab"
cp "$here"/*.go "$pkg/"
mkdir -p "$pkg/client"
cp "$here"/client/*.go "$pkg/client/"
# grpc-go 1.33 in Debian marshals with golang/protobuf 1.3 (API v1), so the
# code comes from protoc-gen-go 1.3 with its grpc plugin, and wrappers.proto
# maps to that API's package.
generate() { # proto folder, proto file, go package folder
  protoc -I "$1" -I "$includes" \
    --go_out="plugins=grpc,paths=source_relative,Mgoogle/protobuf/wrappers.proto=github.com/golang/protobuf/ptypes/wrappers,M$2=switchboard/gopeer/$3:$pkg/$3" \
    "$1/$2"
}
generate "$root/apps/orders/proto" order_management.proto ecommerce
generate "$root/apps/orders/proto" helloworld.proto helloworld
generate "$root/testing/lab" lab.proto lab

mkdir -p "$out"
export GOPATH="$work:/usr/share/gocode" GO111MODULE=off GOFLAGS='' GOPROXY=off
export GOCACHE="${GOCACHE:-$root/node_modules/.cache/go-build}"
go build -o "$out/go-peer" switchboard/gopeer
go build -o "$out/go-peer-client" switchboard/gopeer/client
