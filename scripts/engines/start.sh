#!/usr/bin/env bash
# Installs (once, cached), starts on 127.0.0.1 and waits for the real engines of ragplane's
# real-engine tests. Usage: scripts/engines/start.sh [redis|kafka|neo4j|qdrant|prometheus|otelcol|all]...
#
# Idempotent: an engine that is already running is only checked. Engines start in parallel.
# Then: `. "${RAGPLANE_ENGINES_DIR:-.engines}/env"` exports REDIS_URL, KAFKA_BROKERS,
# NEO4J_URL, NEO4J_USER, NEO4J_PASSWORD, PROMETHEUS_URL, PROMETHEUS_TARGETS_FILE,
# OTEL_COLLECTOR_OTLP_ENDPOINT, OTEL_COLLECTOR_SPANS_FILE, SECURE_* (links.sh). Stop with stop.sh.
# Settings (environment): RAGPLANE_ENGINES_DIR (run dir, default $PWD/.engines),
# RAGPLANE_CACHE_DIR (default ~/.cache/ragplane), REDIS_PORT, REDIS_SECURE_PORT, KAFKA_PORT,
# KAFKA_CONTROLLER_PORT, KAFKA_SECURE_PORT, KAFKA_MTLS_PORT, NEO4J_BOLT_PORT,
# NEO4J_PASSWORD (random if unset), NEO4J_PAGECACHE,
# KAFKA_HEAP_OPTS, NEO4J_HEAP_OPTS, PROMETHEUS_PORT, OTELCOL_HTTP_PORT, OTELCOL_GRPC_PORT,
# RAGPLANE_ENGINES_START_TIMEOUT (s, default 120).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,14s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

rc=0
engines=$(parse_engines "$@") || rc=$?
case $rc in
  0) ;;
  2)
    usage
    exit 0
    ;;
  *) exit "$rc" ;;
esac
init_run_dir

start_one() {
  local e=$1 t0 pid
  # shellcheck disable=SC2034 # read by log() in lib.sh
  ENGINE=$e
  t0=$(now)
  mkdir -p "$RUN_DIR/$e"
  if pid=$(engine_pid "$e"); then
    if wait_ready "$e" 30; then
      log "already running (pid $pid)"
      return 0
    fi
    log "ERROR: running (pid $pid) but not ready; run stop.sh $e first"
    return 1
  fi
  rm -f "$RUN_DIR/$e/pid" "$RUN_DIR/$e/env"
  "${e}_install"
  local t1
  t1=$(now)
  "${e}_launch"
  pid=$(<"$RUN_DIR/$e/pid")
  if ! wait_ready "$e"; then
    log "stopping the failed $e (pid $pid)"
    stop_pid "$pid" || true
    rm -f "$RUN_DIR/$e/pid" "$RUN_DIR/$e/env"
    return 1
  fi
  log "ready (pid $pid) in $(since "$t0") s (install/build check $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"
}

t_all=$(now)
run_locked_in_parallel start_one "$engines"

if [[ ${#FAILED[@]} -gt 0 ]]; then
  log "FAILED: ${FAILED[*]} (logs under $RUN_DIR)"
  exit 1
fi
log "all ready in $(since "$t_all") s: ${engines//$'\n'/ }; environment: . $RUN_DIR/env"
