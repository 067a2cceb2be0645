#!/usr/bin/env bash
# Generates a ragplane client from the contracts in proto/, for Go or Python.
#
#   scripts/clients/generate.sh go OUT_DIR GO_PACKAGE_PREFIX
#   scripts/clients/generate.sh python OUT_DIR
#
# Go: buf in managed mode sets go_package to GO_PACKAGE_PREFIX/ragplane/v1 (the Go import
# path of OUT_DIR/ragplane/v1 in your module), with protoc-gen-go and protoc-gen-go-grpc.
# Python: grpcio-tools writes ragplane/v1/*_pb2.py, *_pb2.pyi and *_pb2_grpc.py into OUT_DIR.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"

usage() {
  sed -n '4,5p' "$0" | sed 's/^# *//' >&2
  exit 2
}

need() {
  command -v "$1" >/dev/null 2>&1 && return
  echo "$1 not found; install it with: $2" >&2
  exit 1
}

language="${1:-}"
out="${2:-}"
[ -n "$language" ] && [ -n "$out" ] || usage
mkdir -p "$out"
out="$(cd "$out" && pwd)"

case "$language" in
  go)
    prefix="${3:-}"
    [ -n "$prefix" ] || usage
    export PATH="$PATH:$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"
    need protoc-gen-go "go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12"
    need protoc-gen-go-grpc "go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2"
    template=$(printf '{"version":"v2","managed":{"enabled":true,"override":[{"file_option":"go_package_prefix","value":"%s"}]},"plugins":[{"local":"protoc-gen-go","out":"%s","opt":"paths=source_relative"},{"local":"protoc-gen-go-grpc","out":"%s","opt":"paths=source_relative"}]}' \
      "$prefix" "$out" "$out")
    cd "$root"
    npx --no-install buf generate proto --template "$template"
    ;;
  python)
    python3 -c "import grpc_tools" 2>/dev/null ||
      { echo "grpcio-tools not found; install it with: python3 -m pip install grpcio-tools" >&2; exit 1; }
    cd "$root/proto"
    # shellcheck disable=SC2046
    python3 -m grpc_tools.protoc -I . \
      --python_out="$out" --pyi_out="$out" --grpc_python_out="$out" \
      $(find ragplane -name '*.proto' | sort)
    ;;
  *) usage ;;
esac
echo "generated the $language client in $out"
