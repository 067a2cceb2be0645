#!/usr/bin/env bash
# Smoke-checks the engines that scripts/engines/start.sh started (those listed in the run
# dir's env file) with the clients ragplane uses: redis-cli, kafkajs 2.2.4, neo4j-driver 6.
# The Node clients are installed into a scratch dir outside the repo
# (RAGPLANE_ENGINES_CHECK_DIR, default ${TMPDIR:-/tmp}/ragplane-engines-check), once.
# Usage: scripts/engines/verify.sh [redis|kafka|neo4j|all]...
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rc=0
engines=$(parse_engines "$@") || rc=$?
case $rc in
  0) ;;
  2)
    sed -n '2,6s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
    exit 0
    ;;
  *) exit "$rc" ;;
esac
RUN_DIR=${RAGPLANE_ENGINES_DIR:-$PWD/.engines}
[[ -s $RUN_DIR/env ]] || die "no $RUN_DIR/env: run scripts/engines/start.sh first"
# shellcheck disable=SC1091
. "$RUN_DIR/env"

check_dir=${RAGPLANE_ENGINES_CHECK_DIR:-${TMPDIR:-/tmp}/ragplane-engines-check}
node_clients() {
  if [[ $(node -p 'require("./node_modules/kafkajs/package.json").version' 2>/dev/null) != 2.2.4 ]] ||
    [[ $(node -p 'require("./node_modules/neo4j-driver/package.json").version.split(".")[0]' 2>/dev/null) != 6 ]]; then
    log "installing kafkajs@2.2.4 neo4j-driver@6 into $check_dir"
    [[ -f package.json ]] || echo '{"name":"ragplane-engines-check","private":true}' >package.json
    npm install --no-audit --no-fund --silent kafkajs@2.2.4 neo4j-driver@6 >/dev/null
  fi
}

rc=0
for e in $engines; do
  ENGINE=$e
  case $e in
    redis)
      [[ -n ${REDIS_URL:-} ]] || { log "not running"; rc=1; continue; }
      port=${REDIS_URL##*:}
      r=$(redis-cli -h 127.0.0.1 -p "$port" ping)
      redis-cli -h 127.0.0.1 -p "$port" set ragplane:check ok >/dev/null
      v=$(redis-cli -h 127.0.0.1 -p "$port" get ragplane:check)
      redis-cli -h 127.0.0.1 -p "$port" del ragplane:check >/dev/null
      if [[ $r == PONG && $v == ok ]]; then
        echo "redis ok: $REDIS_URL ($(redis-cli -h 127.0.0.1 -p "$port" info server | sed -n 's/^redis_version:\(.*\)\r$/\1/p'))"
      else
        log "FAILED: ping=$r get=$v"
        rc=1
      fi
      ;;
    kafka | neo4j)
      if [[ $e == kafka && -z ${KAFKA_BROKERS:-} ]] || [[ $e == neo4j && -z ${NEO4J_URL:-} ]]; then
        log "not running"
        rc=1
        continue
      fi
      mkdir -p "$check_dir"
      (cd "$check_dir" && node_clients)
      cp "$ENGINES_SRC/verify/$e-check.cjs" "$check_dir/"
      KAFKAJS_NO_PARTITIONER_WARNING=1 node "$check_dir/$e-check.cjs" || rc=1
      ;;
  esac
done
exit $rc
