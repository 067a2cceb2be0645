#!/usr/bin/env bash
# Restarts one engine started by scripts/engines/start.sh and keeps its data: stops the
# recorded process (SIGTERM, SIGKILL after RAGPLANE_ENGINES_STOP_TIMEOUT; or SIGKILL at once
# with --kill), leaves it down for --down SECONDS (default 0), starts it again on the same
# run dir, ports and password, and waits until it is ready. Starts it if it is not running.
# Usage: scripts/engines/restart.sh redis|kafka|neo4j|qdrant [--kill] [--down SECONDS]
# (same RAGPLANE_ENGINES_DIR as start.sh). Redis reloads its append-only file, Kafka its
# log dirs (formatted only once), Neo4j and Qdrant their stores.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,8s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

engine=""
hard=0
down=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    redis | kafka | neo4j | qdrant)
      [[ -z $engine ]] || die "one engine at a time"
      engine=$1
      ;;
    --kill) hard=1 ;;
    --down)
      [[ ${2:-} =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--down needs a number of seconds"
      down=$2
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown argument '$1' (expected redis, kafka, neo4j or qdrant, --kill, --down SECONDS)" ;;
  esac
  shift
done
[[ -n $engine ]] || {
  usage >&2
  exit 1
}

RUN_DIR=${RAGPLANE_ENGINES_DIR:-$PWD/.engines}
[[ -s $RUN_DIR/$engine/env ]] || die "no $engine was started in $RUN_DIR (run start.sh $engine first)"
RUN_DIR=$(cd "$RUN_DIR" && pwd)

# The ports (and Neo4j's password) the engine was started with, not this shell's defaults.
recorded_settings() {
  local d="$RUN_DIR/$1"
  case "$1" in
    redis)
      REDIS_PORT=$(sed -n 's/^export REDIS_PORT=\([0-9]*\)$/\1/p' "$d/env")
      REDIS_SECURE_PORT=$(sed -n 's/^export REDIS_SECURE_PORT=\([0-9]*\)$/\1/p' "$d/env")
      ;;
    qdrant)
      QDRANT_PORT=$(sed -n 's/^export QDRANT_PORT=\([0-9]*\)$/\1/p' "$d/env")
      QDRANT_GRPC_PORT=$(sed -n 's/^export QDRANT_GRPC_PORT=\([0-9]*\)$/\1/p' "$d/env")
      ;;
    kafka)
      KAFKA_PORT=$(sed -n 's/^export KAFKA_BROKERS=.*:\([0-9]*\)$/\1/p' "$d/env")
      KAFKA_CONTROLLER_PORT=$(sed -n 's/^controller\.quorum\.voters=.*:\([0-9]*\)$/\1/p' "$d/server.properties")
      KAFKA_SECURE_PORT=$(sed -n 's/^export SECURE_KAFKA_BROKERS=.*:\([0-9]*\)$/\1/p' "$d/env")
      KAFKA_MTLS_PORT=$(sed -n 's/^export SECURE_KAFKA_MTLS_BROKERS=.*:\([0-9]*\)$/\1/p' "$d/env")
      ;;
    neo4j)
      NEO4J_BOLT_PORT=$(sed -n 's/^export NEO4J_URL=.*:\([0-9]*\)$/\1/p' "$d/env")
      NEO4J_PASSWORD=$(
        # shellcheck disable=SC1091 # written by neo4j_launch, quoted with printf %q
        . "$d/env" && printf '%s' "$NEO4J_PASSWORD"
      )
      ;;
  esac
}

# Ends the engine's process: SIGKILL (a crash) or SIGTERM (a clean stop).
end_process() {
  local e=$1 pid=$2 i rc=0
  if [[ $hard -eq 0 ]]; then
    stop_pid "$pid" || rc=$?
    [[ $rc -eq 0 ]] && cds_adopt "$e"
    [[ $rc -eq 0 || $rc -eq 3 ]]
    return
  fi
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    if ! alive "$pid"; then
      log "killed pid $pid (SIGKILL)"
      return 0
    fi
    sleep 0.05
  done
  log "pid $pid survived SIGKILL"
  return 1
}

restart_one() {
  local e=$1 d="$RUN_DIR/$1" pid t0
  # shellcheck disable=SC2034 # read by log() in lib.sh
  ENGINE=$e
  t0=$(now)
  recorded_settings "$e"
  if pid=$(engine_pid "$e"); then
    end_process "$e" "$pid" || return 1
  else
    log "not running: starting it"
  fi
  rm -f "$d/pid"
  sleep "$down"
  "${e}_launch"
  pid=$(<"$d/pid")
  if ! wait_ready "$e"; then
    log "stopping the failed $e (pid $pid)"
    stop_pid "$pid" || true
    rm -f "$d/pid"
    return 1
  fi
  log "restarted (pid $pid) in $(since "$t0") s, down ${down} s"
}

run_locked_in_parallel restart_one "$engine"
[[ ${#FAILED[@]} -eq 0 ]] || die "could not restart $engine (log: $RUN_DIR/$engine)"
