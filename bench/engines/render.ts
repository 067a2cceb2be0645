import { cpuCells, int, micros } from "../format.js";
import { machineLines } from "../machine.js";
import type { ProfileEntry } from "../profile.js";
import type { RatioCheck } from "./checks.js";
import type { PathProfile } from "./profile.js";
import type { EnginesReport } from "./report.js";
import type { PathResult } from "./rounds.js";

const engineStart =
  "RAGPLANE_ENGINES_DIR=/tmp/bench-engines REDIS_PORT=26379 KAFKA_PORT=29092 " +
  "KAFKA_CONTROLLER_PORT=29093 NEO4J_BOLT_PORT=27687";

/** The human-readable report, `engines.md`. */
export function renderEnginesReport(report: EnginesReport): string {
  const { machine, options } = report;
  const publish = options.publish;
  const graph = options.graph;
  return [
    "# ragplane benchmark: real engines against their own clients",
    "",
    `- Date: ${report.date}; the whole run took ${(report.durationMs / 1000).toFixed(0)} s`,
    ...machineLines(machine, report.loadAverage),
    `- Engines configured: Kafka ${yes(report.engines.kafka)}, Redis ${yes(report.engines.redis)}, ` +
      `Neo4j ${yes(report.engines.neo4j)}`,
    `- Load: closed loop, ${options.concurrency} calls in flight; each path warms up ` +
      `(at most ${options.warmupMs / 1000} s), then ${options.rounds} measured rounds of at most ` +
      `${options.measureMs / 1000} s each, the paths interleaved round by round; figures pool the rounds.`,
    ...busyNote(report),
    "",
    "## Targets and ratios",
    "",
    "| figure | value | target | result |",
    "|---|--:|--:|---|",
    ...report.checks.map(checkRow),
    ...(report.checks.length === 0 ? ["| (no real engine configured) | – | – | – |"] : []),
    "",
    ...report.skipped.map((line) => `- **Skipped**: ${line}`),
    ...(report.skipped.length === 0 ? [] : [""]),
    "## Publish: batches of events",
    "",
    `${publish.batchSize} events per batch, ${publish.payloadBytes}-byte seeded random payloads, ` +
      `distinct ids; topics of ${publish.partitions} partitions created through ragplane (so the ` +
      "baseline's topic has the same settings). `ragplane-kafka` is ragplane in a child process " +
      "with KAFKA_BROKERS and REDIS_URL: each Publish claims the ids in Redis (one Lua script), " +
      "produces one request, then records the offsets in Redis (a second script). " +
      "`kafkajs-direct` is a kafkajs producer in the bench process configured like ragplane's " +
      "(idempotent, one request in flight, acks from all replicas, murmur2 default partitioner, " +
      "same timeouts and retries) sending the same records (key = id, `ragplane-id` header) with " +
      "`producer.send`. `ragplane-embedded` is a child with no engine URL (SQLite log).",
    "",
    ...pathTable(report.publish.paths, publish.batchSize),
    "",
    ...report.publish.written.map(
      (w) =>
        `- ${w.path}: published ${int(w.published)} events (warm-up included, before any profiled run); topic \`${w.topic}\` ` +
        `holds ${int(w.records)} records${w.records === w.published ? "" : " — **they differ**"}`,
    ),
    "",
    `## Neighbors: depth ${graph.maxDepth} on a ${int(graph.nodes)}-node graph`,
    "",
    `Graph: ${int(graph.nodes)} nodes (\`n00000\`…, one of three labels, a name) and ` +
      `${int(graph.relationships)} relationships (two types, a weight) between node pairs drawn ` +
      `from a seeded PRNG (seed ${options.seed}); loaded through ragplane's gRPC port with ` +
      `UpsertNodes / UpsertRelationships of ${graph.loadBatch}. Each call: Neighbors of a start ` +
      `node (${int(graph.startNodes)} drawn from the PRNG, cycled), both directions, any type, ` +
      `max_depth ${graph.maxDepth}, limit ${graph.limit}. \`neo4j-direct\` runs, through ` +
      "neo4j-driver in the bench process, exactly the Cypher of ragplane's Neo4j adapter " +
      "(`clients/graphs/neo4j/traversal.ts`: a seek of the start node, one expand query per " +
      "level, then one query for the returned nodes and the relationships among them) in one " +
      "read transaction per call, with the same breadth-first bookkeeping, order and cut — " +
      "ragplane's work minus gRPC, the interceptor chain, the service and the row conversion.",
    "",
    ...Object.entries(report.neighbors.loads).map(
      ([name, load]) =>
        `- Load into ragplane-${name}: nodes ${(load.nodesMs / 1000).toFixed(1)} s, relationships ` +
        `${(load.relationshipsMs / 1000).toFixed(1)} s (${load.calls} calls)`,
    ),
    `- Same results: the first ${report.neighbors.compared} start nodes were compared across the paths ` +
      `(node ids in order, relationship ids): ${
        report.neighbors.mismatches.length === 0
          ? "all identical"
          : `**${report.neighbors.mismatches.length} differences**: ${report.neighbors.mismatches.slice(0, 5).join("; ")}`
      }; an answer held ${report.neighbors.answerSize.nodes.toFixed(1)} nodes and ` +
      `${report.neighbors.answerSize.relationships.toFixed(1)} relationships on average`,
    "",
    ...pathTable(report.neighbors.paths, undefined),
    "",
    "Latencies are per call, client-side, including queueing behind the other calls in flight. " +
      "CPU per call is user + system time of the process over the measured rounds divided by " +
      "their calls (the bench process for the direct paths, which also runs the client). " +
      "Cores is that CPU time over the wall time: a side near 1.00 has its one event loop " +
      "saturated and bounds the throughput. Other cores is what the rest of the machine used " +
      "meanwhile: the engines (JVMs, Redis) and any other work.",
    ...report.profiles.flatMap(profileSection),
    "",
    "## How to run",
    "",
    "```bash",
    `${engineStart} bash scripts/engines/start.sh all`,
    ". /tmp/bench-engines/env",
    "npm run bench:engines",
    `${engineStart} bash scripts/engines/stop.sh all`,
    "```",
    "",
    "The benchmark never starts engines: it reads KAFKA_BROKERS, REDIS_URL, NEO4J_URL, " +
      "NEO4J_USER and NEO4J_PASSWORD and skips (saying so above) the comparisons whose engine " +
      "is not configured. BENCH_CONCURRENCY, BENCH_ROUNDS, BENCH_SECONDS and " +
      "BENCH_WARMUP_SECONDS change the load. A ragplane path that misses its target is run " +
      "once more with V8's profiler in its child (BENCH_PROFILE=always: every path with a " +
      "target); the profile lands next to this file.",
    "",
  ].join("\n");
}

function pathTable(paths: readonly PathResult[], eventsPerCall: number | undefined): string[] {
  if (paths.length === 0) return ["(not run)"];
  const events = eventsPerCall !== undefined;
  return [
    `| path | what | in flight | calls | calls/s |${events ? " events/s |" : ""} p50 | p99 | ` +
      "server CPU/call | client CPU/call | server cores | client cores | other cores |",
    `|---|---|--:|--:|--:|${events ? "--:|" : ""}--:|--:|--:|--:|--:|--:|--:|`,
    ...paths.map(
      (p) =>
        `| ${p.name} | ${p.description} | ${p.concurrency} | ${int(p.requests)} | ${int(p.throughput)} |` +
        `${events ? ` ${int(p.throughput * eventsPerCall)} |` : ""} ` +
        `${micros(p.latency.p50)} | ${micros(p.latency.p99)} | ` +
        cpuCells(p),
    ),
  ];
}

function checkRow(check: RatioCheck): string {
  const result = check.pass === undefined ? "reference" : check.pass ? "**pass**" : "**miss**";
  return `| ${check.name} | ${check.value.toFixed(3)} | ${check.min === undefined ? "–" : `≥ ${check.min}`} | ${result} |`;
}

function profileSection(profile: PathProfile): string[] {
  const table = (entries: readonly ProfileEntry[], what: string): string[] => [
    `| ${what} | self ms | µs per call | share |`,
    "|---|--:|--:|--:|",
    ...entries.map(
      (e) =>
        `| ${what === "function" ? `\`${e.label}\`` : e.label} | ${e.selfMs.toFixed(0)} | ` +
        `${e.microsPerCall.toFixed(1)} | ${(100 * e.share).toFixed(1)} % |`,
    ),
  ];
  return [
    "",
    `## Profile of the ragplane child on ${profile.path}`,
    "",
    `\`${profile.file}\`: ${int(profile.busyMs)} ms busy over ${int(profile.calls)} calls ` +
      `(${int(profile.throughput)} calls/s while profiled` +
      `${profile.serverCpuMicrosPerCall === undefined ? "" : `, ${micros(profile.serverCpuMicrosPerCall)} CPU per call`}). ` +
      "Self time; native code without a script shows under its own name. V8 samples on a " +
      "wall-clock interval, so on a busy machine a function also collects the time its thread " +
      "sat preempted in it: read the areas as proportions, the single functions as hints.",
    "",
    ...table(profile.areas, "area"),
    "",
    ...table(profile.functions, "function"),
  ];
}

function busyNote(report: EnginesReport): string[] {
  const paths = [...report.publish.paths, ...report.neighbors.paths];
  const busiest = Math.max(0, ...paths.map((p) => p.otherCores));
  const loaded = report.loadAverage.start > 0.5 * report.machine.cores;
  if (!loaded && busiest < 1) return [];
  return [
    `- **The machine was not quiet**: load average ${report.loadAverage.start.toFixed(2)} on ` +
      `${report.machine.cores} cores before the run, and up to ${busiest.toFixed(2)} cores used ` +
      "outside the bench process and the ragplane child during the measured rounds (the engines' " +
      "JVMs and Redis count there too). Other work was sharing the cores, so absolute figures " +
      "are low and noisy; the ratios compare paths measured in interleaved rounds under the " +
      "same conditions, which is what they are for.",
  ];
}

function yes(value: boolean): string {
  return value ? "yes" : "no";
}
