#!/usr/bin/env bash
# Checks the Kubernetes manifests offline: renders deploy/kubernetes/base and every overlay
# with kustomize, then validates each render with deploy/kubernetes/validate (a strict
# decode into the Kubernetes API types, plus ragplane's own rules), after that
# validator's own tests prove it rejects broken manifests.
# Installs kustomize with `go install` when it is missing (cached in Go's bin folder).
set -euo pipefail
cd "$(dirname "$0")/../.."

KUSTOMIZE_VERSION=v5.7.1
kustomize="$(go env GOPATH)/bin/kustomize"
if [ "$("$kustomize" version 2>/dev/null || true)" != "$KUSTOMIZE_VERSION" ]; then
  go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
fi

rendered="$(mktemp -d)"
trap 'rm -rf "$rendered"' EXIT

(
  cd deploy/kubernetes/validate
  go test ./...
  go build -buildvcs=false -o "$rendered/validate" .
)

for dir in deploy/kubernetes/base deploy/kubernetes/overlays/*/; do
  name="$(basename "$dir")"
  "$kustomize" build "$dir" >"$rendered/$name.yaml"
done
readme="$PWD/README.md"
cd "$rendered"
./validate -readme "$readme" ./*.yaml
