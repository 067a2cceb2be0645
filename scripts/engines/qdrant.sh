# shellcheck shell=bash
# The qdrant engine of scripts/engines: the Qdrant 1.18.3 server binary shipped beside
# the project (shared/engines/qdrant-1.18.3-linux-x86_64.zst, built from the public
# source), unpacked once into the cache, run on 127.0.0.1 with telemetry off and an API
# key. Sourced by lib.sh (which defines RUN_DIR, spawn, apt_install, ...), not run.
#
# Run dir: qdrant/data/ (storage and snapshots), qdrant/api-key.
# Env: QDRANT_URL, QDRANT_API_KEY, QDRANT_PORT, QDRANT_GRPC_PORT.

QDRANT_PORT=${QDRANT_PORT:-6333}
QDRANT_GRPC_PORT=${QDRANT_GRPC_PORT:-6334}
QDRANT_VERSION=1.18.3
# Where the packed server binary is: the project's sibling folder shared/engines.
QDRANT_ARCHIVE=${QDRANT_ARCHIVE:-$(cd "$ENGINES_SRC/../../.." && pwd)/shared/engines/qdrant-$QDRANT_VERSION-linux-x86_64.zst}
QDRANT_BIN="$CACHE_DIR/qdrant-$QDRANT_VERSION/qdrant"

# Unpacks the binary into the cache (zstd from Debian if missing), checked against the
# archive's SHA256SUMS when that file is there.
qdrant_install() {
  [[ -x $QDRANT_BIN ]] && return 0
  [[ -s $QDRANT_ARCHIVE ]] || die "no Qdrant server archive at $QDRANT_ARCHIVE (set QDRANT_ARCHIVE)"
  command -v zstd >/dev/null || apt_install zstd
  local sums dir
  sums="$(dirname "$QDRANT_ARCHIVE")/SHA256SUMS"
  if [[ -s $sums ]]; then
    (cd "$(dirname "$QDRANT_ARCHIVE")" && grep " $(basename "$QDRANT_ARCHIVE")\$" SHA256SUMS | sha256sum -c --quiet -) ||
      die "$QDRANT_ARCHIVE does not match its SHA256SUMS"
  fi
  dir=$(dirname "$QDRANT_BIN")
  mkdir -p "$dir"
  zstd -q -d -f -o "$QDRANT_BIN.tmp.$$" "$QDRANT_ARCHIVE"
  chmod +x "$QDRANT_BIN.tmp.$$"
  mv -f "$QDRANT_BIN.tmp.$$" "$QDRANT_BIN"
  log "unpacked Qdrant $QDRANT_VERSION into $dir"
}

qdrant_launch() {
  local d="$RUN_DIR/qdrant" key
  require_free_port "$QDRANT_PORT" "qdrant"
  require_free_port "$QDRANT_GRPC_PORT" "qdrant gRPC"
  mkdir -p "$d/data"
  if [[ ! -s $d/api-key ]]; then
    (umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$d/api-key")
  fi
  key=$(<"$d/api-key")
  # It runs in its data dir (no config/ folder there: built-in defaults, logged as such).
  (
    cd "$d/data" &&
      spawn qdrant "$d/qdrant.log" env \
        QDRANT__SERVICE__HOST=127.0.0.1 \
        "QDRANT__SERVICE__HTTP_PORT=$QDRANT_PORT" \
        "QDRANT__SERVICE__GRPC_PORT=$QDRANT_GRPC_PORT" \
        "QDRANT__SERVICE__API_KEY=$key" \
        "QDRANT__STORAGE__STORAGE_PATH=$d/data/storage" \
        "QDRANT__STORAGE__SNAPSHOTS_PATH=$d/data/snapshots" \
        QDRANT__TELEMETRY_DISABLED=true \
        "$QDRANT_BIN"
  )
  {
    echo "export QDRANT_URL=http://127.0.0.1:$QDRANT_PORT"
    echo "export QDRANT_API_KEY=$key"
    echo "export QDRANT_PORT=$QDRANT_PORT"
    echo "export QDRANT_GRPC_PORT=$QDRANT_GRPC_PORT"
  } >"$d/env"
}

# Ready: GET /readyz answers (every shard loaded).
qdrant_ready() {
  curl -fsS -m 2 "http://127.0.0.1:$QDRANT_PORT/readyz" >/dev/null 2>&1
}

qdrant_version() { printf '%s\n' "$QDRANT_VERSION"; }
