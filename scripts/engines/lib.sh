# shellcheck shell=bash
# Shared functions of scripts/engines/start.sh and stop.sh. Sourced, not run.
#
# Layout of the run directory (RAGPLANE_ENGINES_DIR, default $PWD/.engines):
#   env                  sourceable: REDIS_URL, KAFKA_BROKERS, NEO4J_URL, NEO4J_USER, NEO4J_PASSWORD,
#                        PROMETHEUS_URL, PROMETHEUS_TARGETS_FILE, OTEL_COLLECTOR_* (see the engines' files),
#                        SECURE_* (the secured links to Kafka and Redis, see links.sh)
#   links/               the throwaway CA, certificates and passwords of those links
#   <engine>/pid         pid of the engine process
#   <engine>/<engine>.log  its stdout/stderr (neo4j also logs/debug.log)
#   <engine>/data/       its data (removed by stop.sh)
#   <engine>/env         the engine's part of ./env
# Downloads and builds are cached in RAGPLANE_CACHE_DIR (default ~/.cache/ragplane).

ENGINES_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ALL_ENGINES=(redis kafka neo4j qdrant prometheus otelcol)

REDIS_PORT=${REDIS_PORT:-6379}
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
NEO4J_BOLT_PORT=${NEO4J_BOLT_PORT:-7687}
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
NEO4J_HEAP_OPTS=${NEO4J_HEAP_OPTS:--Xms128m -Xmx512m}
# C1 only: on 2 cores it halves the JVMs' start time and, measured, is also faster on
# test-sized workloads (C2's compile threads cost more than they give back). Set to ""
# for the default tiered compilation.
KAFKA_JVM_OPTS=${KAFKA_JVM_OPTS--XX:TieredStopAtLevel=1}
NEO4J_JVM_OPTS=${NEO4J_JVM_OPTS--XX:TieredStopAtLevel=1}
CDS=${RAGPLANE_ENGINES_CDS:-1} # 0: no class-data-sharing archives (see cds_flags)
NEO4J_PAGECACHE=${NEO4J_PAGECACHE:-64m}
START_TIMEOUT=${RAGPLANE_ENGINES_START_TIMEOUT:-120} # seconds, per engine, readiness only
STOP_TIMEOUT=${RAGPLANE_ENGINES_STOP_TIMEOUT:-30}    # seconds before SIGKILL
CACHE_DIR=${RAGPLANE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ragplane}

ENGINE=${ENGINE:-} # set by start.sh/stop.sh per engine job: prefixes log lines
log() { printf '[engines%s] %s\n' "${ENGINE:+/$ENGINE}" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Resolves RUN_DIR (absolute) and creates it.
init_run_dir() {
  RUN_DIR=${RAGPLANE_ENGINES_DIR:-$PWD/.engines}
  mkdir -p "$RUN_DIR" "$CACHE_DIR"
  RUN_DIR=$(cd "$RUN_DIR" && pwd)
}

# Expands "all"/nothing into the engine list; rejects unknown names.
parse_engines() {
  local e out=()
  [[ $# -eq 0 ]] && set -- all
  for e in "$@"; do
    case "$e" in
      all) out+=("${ALL_ENGINES[@]}") ;;
      redis | kafka | neo4j | qdrant | prometheus | otelcol) out+=("$e") ;;
      -h | --help) return 2 ;;
      *) die "unknown engine '$e' (expected redis, kafka, neo4j, qdrant, prometheus, otelcol or all)" ;;
    esac
  done
  # de-duplicate, keep the canonical order
  for e in "${ALL_ENGINES[@]}"; do
    if [[ " ${out[*]} " == *" $e "* ]]; then printf '%s\n' "$e"; fi
  done
}

# Takes the run dir's lock (no concurrent start/stop on the same engines), runs
# "$1 <engine>" for every engine of the list $2 in parallel, then rewrites the env
# file. Sets FAILED to the engines whose run failed.
run_locked_in_parallel() {
  local action=$1 engines=$2 e
  local -A job=()
  exec 7>"$RUN_DIR/.lock"
  flock -w 900 7 || die "timed out waiting for $RUN_DIR/.lock"
  for e in $engines; do
    ("$action" "$e") &
    job[$e]=$!
  done
  FAILED=()
  for e in $engines; do
    wait "${job[$e]}" || FAILED+=("$e")
  done
  write_env_file
}

# ---------------------------------------------------------------- processes, ports

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A live process, not a zombie: engines are reparented when start.sh exits, and the
# reaper here (pid 1) may take a second or two to collect them.
alive() {
  local st
  kill -0 "$1" 2>/dev/null || return 1
  st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ $st != Z ]]
}

# Fails if something else listens on the port (our own engine was checked before).
require_free_port() {
  local port=$1 what=$2
  if port_open "$port"; then
    die "127.0.0.1:$port ($what) is already in use by another process: $(ss -ltnpH "sport = :$port" 2>/dev/null | head -1)"
  fi
}

# Prints the pid of ENGINE's process if the pidfile names a live process that is ours.
engine_pid() {
  local e=$1 pidfile="$RUN_DIR/$1/pid" pid cmd
  [[ -s $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  case "$e" in
    # redis rewrites its title (no path in it) but works in its data dir
    redis) [[ $cmd == *redis-server* && $(readlink "/proc/$pid/cwd") == "$RUN_DIR/redis/data" ]] || return 1 ;;
    kafka) [[ $cmd == *kafka.Kafka* && $cmd == *"$RUN_DIR/kafka/"* ]] || return 1 ;;
    neo4j) [[ $cmd == *Neo4jRunner* && $cmd == *"$RUN_DIR/neo4j/"* ]] || return 1 ;;
    qdrant) [[ $cmd == *qdrant* && $(readlink "/proc/$pid/cwd") == "$RUN_DIR/qdrant/data" ]] || return 1 ;;
    prometheus) [[ $cmd == *prometheus* && $cmd == *"--config.file=$RUN_DIR/prometheus/"* ]] || return 1 ;;
    otelcol) [[ $cmd == *otelcol-ragplane* && $cmd == *"--config=$RUN_DIR/otelcol/"* ]] || return 1 ;;
  esac
  printf '%s\n' "$pid"
}

# Starts a command in its own session, detached from the terminal, logging to a file;
# records its pid. setsid does not fork here (a background job is no group leader),
# so $! is the engine's own pid. The lock fds (7-9) are closed: an engine must not
# hold start.sh's locks.
spawn() {
  local e=$1 logfile=$2
  shift 2
  setsid "$@" >"$logfile" 2>&1 </dev/null 7>&- 8>&- 9>&- &
  printf '%s\n' "$!" >"$RUN_DIR/$e/pid"
}

# SIGTERM, then SIGKILL after STOP_TIMEOUT seconds. Returns 0 if the process ended on
# SIGTERM, 3 if it took SIGKILL, 1 if it survived that too.
stop_pid() {
  local pid=$1 t0 i
  t0=$(now)
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    alive "$pid" || {
      log "stopped pid $pid in $(since "$t0") s"
      return 0
    }
    sleep 0.1
  done
  log "pid $pid still alive after ${STOP_TIMEOUT} s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    alive "$pid" || return 3
    sleep 0.1
  done
  log "pid $pid survived SIGKILL"
  return 1
}

log_tail() {
  local e=$1 f
  for f in "$RUN_DIR/$e/$e.log" "$RUN_DIR/$e/logs/debug.log"; do
    [[ -s $f ]] || continue
    printf -- '----- last lines of %s -----\n' "$f" >&2
    tail -n "${RAGPLANE_ENGINES_LOG_LINES:-40}" "$f" >&2
  done
}

# Waits until ${e}_ready succeeds; fails (with the log's tail) if the process dies or
# START_TIMEOUT passes.
wait_ready() {
  local e=$1 timeout=${2:-$START_TIMEOUT} t0 pid
  t0=$(now)
  pid=$(<"$RUN_DIR/$e/pid")
  while :; do
    if ! alive "$pid"; then
      log "ERROR: $e (pid $pid) exited before it was ready"
      log_tail "$e"
      return 1
    fi
    "${e}_ready" && return 0
    if awk -v a="$t0" -v b="$(now)" -v t="$timeout" 'BEGIN { exit !(b - a > t) }'; then
      log "ERROR: $e not ready after ${timeout} s"
      log_tail "$e"
      return 1
    fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------- installs

# apt-get install, serialized across parallel jobs, with `apt-get update` only when the
# package is unknown to the local lists (fresh machine).
apt_install() {
  local sudo=() pkgs=("$@")
  [[ $(id -u) -eq 0 ]] || sudo=(sudo -n)
  command -v apt-get >/dev/null || die "need ${pkgs[*]} but apt-get is not available"
  (
    flock -w 900 9 || die "timed out waiting for the apt lock"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-cache show "${pkgs[@]}" >/dev/null 2>&1; then
      log "apt-get update"
      "${sudo[@]}" apt-get update -q >/dev/null
    fi
    # The package's postinst must not start a system-wide daemon (a policy-rc.d that
    # denies everything is the standard way; only ours is removed afterwards).
    local policy=/usr/sbin/policy-rc.d ours=0
    if [[ ! -e $policy && -w /usr/sbin ]]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && ours=1
    fi
    log "apt-get install ${pkgs[*]}"
    local rc=0
    local install=("${sudo[@]}" apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "${pkgs[@]}")
    "${install[@]}" >"$CACHE_DIR/apt-install.log" 2>&1 || {
      # stale package lists (a version gone from the archive): refresh once and retry
      log "apt-get install failed; apt-get update and retry"
      "${sudo[@]}" apt-get update -q >/dev/null 2>&1 || true
      "${install[@]}" >"$CACHE_DIR/apt-install.log" 2>&1 || rc=$?
    }
    [[ $ours -eq 1 ]] && rm -f "$policy"
    [[ $rc -eq 0 ]] || {
      tail -n 20 "$CACHE_DIR/apt-install.log" >&2
      die "apt-get install ${pkgs[*]} failed"
    }
  ) 9>"$CACHE_DIR/apt.lock"
}

# Java 17+ and Maven (both are on the machine image; installed from Debian if not).
ensure_java_maven() {
  local need=()
  command -v java >/dev/null && command -v javac >/dev/null || need+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null || need+=(maven)
  [[ ${#need[@]} -eq 0 ]] || apt_install "${need[@]}"
  local v
  v=$(java -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ { print $2 }')
  [[ ${v%%.*} -ge 17 ]] || die "Java 17 or newer is needed (found $v)"
}

# Runs Maven quietly and in batch mode; one Maven at a time (Maven 3.8's local
# repository is not safe for concurrent downloads of the same artifact).
# Output goes to MVN_LOG (shown on failure).
mvn_q() {
  (
    flock -w 900 9 || die "timed out waiting for the Maven lock"
    mvn -B -q -Dstyle.color=never "$@" >"$MVN_LOG" 2>&1 || {
      tail -n 40 "$MVN_LOG" >&2
      exit 1
    }
  ) 9>"$CACHE_DIR/maven.lock"
}

# sha256 over files: the stamp that says whether a cached build is current.
stamp_of() { cat "$@" | sha256sum | cut -c1-64; }

pom_property() { sed -n "s:.*<$2>\(.*\)</$2>.*:\1:p" "$1" | head -1; }

# ---------------------------------------------------------------- class-data sharing
# A JVM spends most of its start here loading and verifying classes (Neo4j's Cypher
# stack alone is thousands). A dynamic CDS archive (JDK 13+) maps them ready-made.
# Measured alone on 2 cores, JVM start to ready: Kafka 3.8 s -> 1.7 s (C1 only: 2.9 -> 1.1 s),
# Neo4j 17.5 s -> 10.2 s (C1 only: 8.5 -> 5.6 s).
# The first start of an engine records the archive (-XX:ArchiveClassesAtExit, written when
# the JVM exits on SIGTERM); stop.sh moves it into the cache, next to the jars it was made
# from, keyed by the JDK (an archive of another JDK would be ignored silently).

jdk_key() {
  local java libjvm
  java=$(readlink -f "$(command -v java)")
  libjvm=$(dirname "$java")/../lib/server/libjvm.so
  printf '%s %s' "$java" "$(stat -Lc '%s %Y' "$libjvm" 2>/dev/null)" | sha256sum | cut -c1-12
}

# Prints the JVM flags for ENGINE's archive (HOME: the engine's cache dir) and notes in
# the run dir where stop.sh should put a newly recorded one.
cds_flags() {
  local e=$1 home=$2 archive
  rm -f "$RUN_DIR/$e/$e.jsa" "$RUN_DIR/$e/cds-target"
  [[ $CDS == 1 ]] || return 0
  archive="$home/cds/$e-$(jdk_key).jsa"
  if [[ -s $archive ]]; then
    printf '%s\n' "-XX:SharedArchiveFile=$archive"
  else
    printf '%s\n' "$archive" >"$RUN_DIR/$e/cds-target"
    printf '%s\n' "-XX:ArchiveClassesAtExit=$RUN_DIR/$e/$e.jsa"
  fi
}

# Called by stop.sh once ENGINE has exited on SIGTERM (an archive cut short is not kept).
cds_adopt() {
  local e=$1 d="$RUN_DIR/$1" target
  if [[ -s $d/$e.jsa && -s $d/cds-target ]]; then
    target=$(<"$d/cds-target")
    mkdir -p "$(dirname "$target")" &&
      mv -f "$d/$e.jsa" "$target.tmp.$$" && mv -f "$target.tmp.$$" "$target" &&
      log "recorded the class-data archive $target ($(du -m "$target" | cut -f1) MB)"
  fi
  rm -f "$d/$e.jsa" "$d/cds-target"
}

# ---------------------------------------------------------------- env file

write_env_file() {
  local f="$RUN_DIR/env" tmp e
  tmp=$(mktemp "$RUN_DIR/.env.XXXXXX")
  {
    echo "# Written by scripts/engines/start.sh for the engines running now; source it."
    echo "export RAGPLANE_ENGINES_DIR=$(printf '%q' "$RUN_DIR")"
    for e in "${ALL_ENGINES[@]}"; do
      [[ -s "$RUN_DIR/$e/env" ]] && engine_pid "$e" >/dev/null && cat "$RUN_DIR/$e/env"
    done
    if [[ -s $RUN_DIR/links/env ]] && { engine_pid kafka || engine_pid redis; } >/dev/null; then
      cat "$RUN_DIR/links/env"
    fi
  } >"$tmp"
  chmod 600 "$tmp"
  mv -f "$tmp" "$f"
}

# shellcheck source=links.sh
. "$ENGINES_SRC/links.sh"

# ================================================================= redis

redis_install() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
  apt_install redis-server
}

redis_launch() {
  local d="$RUN_DIR/redis"
  require_free_port "$REDIS_PORT" "redis"
  require_free_port "$REDIS_SECURE_PORT" "redis tls"
  mkdir -p "$d/data"
  links_init
  redis_links_conf "$d/links.conf"
  # the append-only file, as in production: a restart on the same data dir keeps every
  # acknowledged write (written before the reply; fsync'd every second); no RDB snapshots
  spawn redis "$d/redis.log" redis-server "$d/links.conf" --daemonize no --bind 127.0.0.1 \
    --port "$REDIS_PORT" --protected-mode yes --save "" --appendonly yes \
    --appendfsync everysec --dir "$d/data" --logfile "" --loglevel notice
  (
    umask 077
    {
      echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
      echo "export REDIS_PORT=$REDIS_PORT"
      redis_links_env
    } >"$d/env"
  )
}

redis_ready() {
  [[ $(timeout 2 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]] &&
    port_open "$REDIS_SECURE_PORT"
}

redis_version() { redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p'; }

# ================================================================= kafka

KAFKA_POM="$ENGINES_SRC/kafka/pom.xml"
kafka_version() { pom_property "$KAFKA_POM" kafka.version; }
kafka_home() { printf '%s/kafka-%s' "$CACHE_DIR" "$(kafka_version)"; }

kafka_install() {
  local home stamp
  home=$(kafka_home)
  stamp=$(stamp_of "$KAFKA_POM")
  [[ -f $home/stamp && $(<"$home/stamp") == "$stamp" && -d $home/lib ]] && return 0
  ensure_java_maven
  mkdir -p "$home"
  (
    flock -w 900 8 || die "timed out waiting for $home/.lock"
    [[ -f $home/stamp && $(<"$home/stamp") == "$stamp" ]] && exit 0 # built by a parallel run
    log "resolving Kafka $(kafka_version) jars into $home/lib"
    rm -rf "$home/lib.tmp"
    MVN_LOG="$home/mvn.log" mvn_q -f "$KAFKA_POM" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$home/lib.tmp" ||
      die "mvn copy-dependencies failed for Kafka"
    rm -rf "${home:?}/lib" "$home/cds" && mv "$home/lib.tmp" "$home/lib"
    printf '%s\n' "$stamp" >"$home/stamp"
  ) 8>"$home/.lock"
}

kafka_launch() {
  local d="$RUN_DIR/kafka" home cp cluster_id
  home=$(kafka_home)
  cp="$home/lib/*"
  require_free_port "$KAFKA_PORT" "kafka"
  require_free_port "$KAFKA_CONTROLLER_PORT" "kafka controller"
  require_free_port "$KAFKA_SECURE_PORT" "kafka sasl_ssl"
  require_free_port "$KAFKA_MTLS_PORT" "kafka ssl"
  mkdir -p "$d/data"
  links_init
  cat >"$d/server.properties" <<EOF
# Generated by scripts/engines/start.sh: single-node KRaft (combined broker+controller), loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT,SASL_SSL://127.0.0.1:$KAFKA_SECURE_PORT,SSL://127.0.0.1:$KAFKA_MTLS_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_SSL://127.0.0.1:$KAFKA_SECURE_PORT,SSL://127.0.0.1:$KAFKA_MTLS_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL
$(kafka_links_properties)
log.dirs=$d/data
num.partitions=1
num.network.threads=2
num.io.threads=2
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
EOF
  cp "$ENGINES_SRC/kafka/log4j2.properties" "$d/log4j2.properties"
  local jvm_common=(-Djava.awt.headless=true "-Dlog4j2.configurationFile=$d/log4j2.properties")
  local cds
  cds=$(cds_flags kafka "$home")
  if [[ ! -f $d/data/meta.properties ]]; then
    # a cluster id is 16 random bytes, base64url without padding (what `random-uuid` prints)
    cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22)
    local scram
    mapfile -t scram < <(kafka_links_format_args)
    # shellcheck disable=SC2086 # KAFKA_JVM_OPTS holds several flags
    java $KAFKA_JVM_OPTS "${jvm_common[@]}" ${cds/#-XX:ArchiveClassesAtExit=*/} \
      -cp "$cp" kafka.tools.StorageTool format --cluster-id="$cluster_id" \
      -c "$d/server.properties" --ignore-formatted "${scram[@]}" >"$d/format.log" 2>&1 || {
      cat "$d/format.log" >&2
      die "formatting the Kafka storage failed"
    }
  fi
  # shellcheck disable=SC2086 # the *_OPTS hold several flags; cds is one flag or none
  spawn kafka "$d/kafka.log" java $KAFKA_HEAP_OPTS $KAFKA_JVM_OPTS $cds -XX:+UseG1GC \
    -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError "${jvm_common[@]}" \
    -cp "$cp" kafka.Kafka "$d/server.properties"
  (
    umask 077
    {
      echo "export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
      kafka_links_env
    } >"$d/env"
  )
}

# One request to the broker at 127.0.0.1:PORT in raw bytes (no client needed), with
# correlation id 1 and client id "ragplane"; prints the first 16 bytes of the response
# (size, correlation id, then the body) as 16 decimals.
#   kafka_call PORT SIZE API_KEY VERSION BODY   (SIZE, API_KEY, VERSION: 2 hex digits;
#   BODY: printf escapes; SIZE = 18 header bytes + the body's length)
kafka_call() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "\x00\x00\x00\x$2\x00\x$3\x00\x$4\x00\x00\x00\x01\x00\x08ragplane$5" >&3
    head -c 16 <&3 | od -An -tu1 -w16' _ "$@" 2>/dev/null |
    awk 'NF == 16 && $5 == 0 && $6 == 0 && $7 == 0 && $8 == 1 { print; ok = 1 } END { exit !ok }'
}

# Ready: the broker has started, is registered (Metadata lists a broker), its group and
# transaction coordinators answer, and it hands out producer ids. The first FindCoordinator
# makes the broker create __consumer_offsets / __transaction_state, the first InitProducerId
# makes it fetch a block of producer ids from the controller; until then clients get
# "coordinator not available" / "coordinator is loading" (kafkajs retries, but slowly).
# The secured listeners (links.sh) open with the others; they only need to accept.
kafka_ready() {
  grep -q 'Kafka Server started' "$RUN_DIR/kafka/kafka.log" 2>/dev/null || return 1
  local r p=$KAFKA_PORT
  # Metadata v4: topics null, allow_auto_topic_creation false -> brokers count (int32)
  r=$(kafka_call "$p" 17 03 04 '\xff\xff\xff\xff\x00') || return 1
  awk '{ exit !($13 * 16777216 + $14 * 65536 + $15 * 256 + $16 >= 1) }' <<<"$r" || return 1
  # FindCoordinator v2, key "ragplane", key_type 0 (group) / 1 (transaction) -> error code
  r=$(kafka_call "$p" 1d 0a 02 '\x00\x08ragplane\x00') || return 1
  awk '{ exit !($13 == 0 && $14 == 0) }' <<<"$r" || return 1
  r=$(kafka_call "$p" 1d 0a 02 '\x00\x08ragplane\x01') || return 1
  awk '{ exit !($13 == 0 && $14 == 0) }' <<<"$r" || return 1
  # InitProducerId v1, transactional_id null, timeout 60000 ms -> error code
  r=$(kafka_call "$p" 18 16 01 '\xff\xff\x00\x00\xea\x60') || return 1
  awk '{ exit !($13 == 0 && $14 == 0) }' <<<"$r" || return 1
  port_open "$KAFKA_SECURE_PORT" && port_open "$KAFKA_MTLS_PORT"
}

# ================================================================= neo4j

NEO4J_POM="$ENGINES_SRC/neo4j/pom.xml"
neo4j_version() { pom_property "$NEO4J_POM" neo4j.version; }
neo4j_home() { printf '%s/neo4j-%s' "$CACHE_DIR" "$(neo4j_version)"; }

neo4j_install() {
  local home stamp
  home=$(neo4j_home)
  local sources
  mapfile -t sources < <(find "$ENGINES_SRC/neo4j/src" -type f -name '*.java' | LC_ALL=C sort)
  stamp=$(stamp_of "$NEO4J_POM" "${sources[@]}")
  [[ -f $home/stamp && $(<"$home/stamp") == "$stamp" && -f $home/neo4j-runner.jar ]] && return 0
  ensure_java_maven
  mkdir -p "$home"
  (
    flock -w 900 8 || die "timed out waiting for $home/.lock"
    [[ -f $home/stamp && $(<"$home/stamp") == "$stamp" ]] && exit 0 # built by a parallel run
    log "building the Neo4j $(neo4j_version) runner into $home"
    rm -rf "$home/lib.tmp" "$home/build"
    MVN_LOG="$home/mvn.log" mvn_q -f "$NEO4J_POM" -Dragplane.build.dir="$home/build" package \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$home/lib.tmp" ||
      die "mvn package failed for the Neo4j runner"
    rm -rf "${home:?}/lib" "$home/cds" && mv "$home/lib.tmp" "$home/lib"
    cp "$home/build/neo4j-runner.jar" "$home/neo4j-runner.jar"
    rm -rf "$home/build"
    printf '%s\n' "$stamp" >"$home/stamp"
  ) 8>"$home/.lock"
}

neo4j_launch() {
  local d="$RUN_DIR/neo4j" home password
  home=$(neo4j_home)
  require_free_port "$NEO4J_BOLT_PORT" "neo4j bolt"
  rm -rf "${d:?}/logs" # debug.log would otherwise grow across runs
  mkdir -p "$d/home" "$d/data" "$d/logs"
  password=${NEO4J_PASSWORD:-}
  if [[ -z $password ]]; then
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  fi
  (
    umask 077
    {
      echo "export NEO4J_URL=bolt://127.0.0.1:$NEO4J_BOLT_PORT"
      echo "export NEO4J_USER=neo4j"
      echo "export NEO4J_PASSWORD=$(printf '%q' "$password")"
    } >"$d/env"
  )
  local cds
  cds=$(cds_flags neo4j "$home")
  # The password goes through the environment, not the command line (visible in ps).
  # shellcheck disable=SC2086 # the *_OPTS hold several flags; cds is one flag or none
  NEO4J_HOME_DIR="$d/home" NEO4J_DATA_DIR="$d/data" NEO4J_LOGS_DIR="$d/logs" \
    NEO4J_BOLT_HOST=127.0.0.1 NEO4J_BOLT_PORT="$NEO4J_BOLT_PORT" NEO4J_PASSWORD="$password" \
    NEO4J_PAGECACHE="$NEO4J_PAGECACHE" \
    spawn neo4j "$d/neo4j.log" java $NEO4J_HEAP_OPTS $NEO4J_JVM_OPTS $cds \
    -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
    --add-opens=java.base/java.nio=ALL-UNNAMED \
    --add-opens=java.base/java.io=ALL-UNNAMED \
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
    -Dio.netty.tryReflectionSetAccessible=true -Djava.awt.headless=true \
    "-Dragplane.engines.dir=$d/" \
    -cp "$home/neo4j-runner.jar:$home/lib/*" dev.ragplane.engines.Neo4jRunner
}

neo4j_ready() {
  grep -q '^ragplane-neo4j ready' "$RUN_DIR/neo4j/neo4j.log" 2>/dev/null && port_open "$NEO4J_BOLT_PORT"
}

# ================================================================= qdrant

# shellcheck source=qdrant.sh
. "$ENGINES_SRC/qdrant.sh"

# ================================================================= prometheus

# shellcheck source=prometheus.sh
. "$ENGINES_SRC/prometheus.sh"

# ================================================================= otelcol

# shellcheck source=otelcol.sh
. "$ENGINES_SRC/otelcol.sh"
