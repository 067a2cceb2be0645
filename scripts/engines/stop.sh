#!/usr/bin/env bash
# Stops engines started by scripts/engines/start.sh (SIGTERM, then SIGKILL after
# RAGPLANE_ENGINES_STOP_TIMEOUT seconds, default 30) and removes their data.
# Usage: scripts/engines/stop.sh [redis|kafka|neo4j|qdrant|prometheus|otelcol|all]...   (same RAGPLANE_ENGINES_DIR)
# Logs stay in the run dir until the next start.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rc=0
engines=$(parse_engines "$@") || rc=$?
case $rc in
  0) ;;
  2)
    sed -n '2,5s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
    exit 0
    ;;
  *) exit "$rc" ;;
esac
RUN_DIR=${RAGPLANE_ENGINES_DIR:-$PWD/.engines}
if [[ ! -d $RUN_DIR ]]; then
  log "nothing to stop: no $RUN_DIR"
  exit 0
fi
RUN_DIR=$(cd "$RUN_DIR" && pwd)

stop_one() {
  local e=$1 d="$RUN_DIR/$1" pid rc=0
  # shellcheck disable=SC2034 # read by log() in lib.sh
  ENGINE=$e
  [[ -d $d ]] || return 0
  if pid=$(engine_pid "$e"); then
    stop_pid "$pid" || rc=$?
    [[ $rc -eq 0 ]] && cds_adopt "$e"
    [[ $rc -eq 3 ]] && rc=0 # ended by SIGKILL: stopped all the same
  elif [[ -s $d/pid ]]; then
    log "not running (stale pid file)"
  fi
  rm -f "$d/pid" "$d/env" "$d/$e.jsa" "$d/cds-target"
  # data and everything derived from it; logs are kept for post-mortems
  rm -rf "${d:?}/data" "${d:?}/home"
  return $rc
}

run_locked_in_parallel stop_one "$engines"
links_remove_if_unused
[[ ${#FAILED[@]} -eq 0 ]] || die "could not stop: ${FAILED[*]}"
