#!/usr/bin/env bash
# Installs what scripts/clients/generate.sh and the client tests need, where missing:
# grpcio and grpcio-tools for Python, protoc-gen-go and protoc-gen-go-grpc for Go (into
# the Go bin folder, where `go install` caches them).
set -euo pipefail
python3 -c "import grpc, grpc_tools" 2>/dev/null ||
  python3 -m pip install --user --quiet grpcio grpcio-tools
gobin="$(go env GOPATH)/bin"
[ -x "$gobin/protoc-gen-go" ] ||
  go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
[ -x "$gobin/protoc-gen-go-grpc" ] ||
  go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
