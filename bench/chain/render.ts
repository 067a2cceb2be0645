import type { PathResult } from "../engines/rounds.js";
import { cpuCells, int, micros, seconds } from "../format.js";
import { ghzModule } from "../ghz.js";
import { machineLines } from "../machine.js";
import type { ChainCheck } from "./checks.js";
import type { ChainReport } from "./report.js";
import { chainRpcs, pathName } from "./workload.js";

/** The human-readable report, `chain.md`. */
export function renderChainReport(report: ChainReport): string {
  const { machine, options } = report;
  const data = options.dataset;
  return [
    "# ragplane benchmark: the interceptor chain against an empty chain",
    "",
    `- Date: ${report.date}; the whole run took ${(report.durationMs / 1000).toFixed(0)} s`,
    ...machineLines(machine, report.loadAverage),
    ...busyNote(report),
    "",
    "## Throughput against the empty chain and a bare grpc-js echo",
    "",
    "| figure | ratio | single rounds | target | result |",
    "|---|--:|--:|--:|---|",
    ...report.checks.map(checkRow),
    "",
    ...report.skipped.map((line) => `- **Skipped**: ${line}`),
    ...(report.skipped.length === 0 ? [] : [""]),
    "Each configuration runs in its own ragplane child process, measured in the same run " +
      "as the others in interleaved rounds, so the ratios compare like with like on a noisy " +
      "machine; the absolute figures below move with the machine.",
    "",
    "## Configurations",
    "",
    "| configuration | interceptors | GetCollection without credentials |",
    "|---|---|---|",
    ...report.configurations.map(
      (c) => `| ${c.name} | ${c.description} | ${c.withoutCredentials} |`,
    ),
    "",
    `- Servers: \`bench/server-process.ts\` on 127.0.0.1 with embedded engines, each in its own ` +
      "temporary DATA_DIR, LOG_LEVEL=info (the production default: the logging interceptor " +
      "writes successful calls at debug, so per call it only checks the level), rate limits " +
      "of 10,000,000 calls per second per tenant and per principal (counted on every call, " +
      "never reached), default deadlines.",
    `- Credentials: one JWT minted by each child with the development signing key in its ` +
      "DATA_DIR (EdDSA, tenant `default`, the data scopes, one hour), sent as " +
      "`authorization: Bearer …` on every call, to the empty chain too (which ignores it), so " +
      "the bytes on the wire are the same. The verifier checks the signature once and then " +
      "answers from its cache.",
    "- bare-echo: `bench/echo-server.ts`, a grpc-js server with ragplane's server options " +
      "and no chain, decoding or engine, answering GetCollection's path with a fixed buffer: " +
      "the full chain's GetCollectionResponse, byte for byte; ghz sends it the same request " +
      "and metadata. `full / bare grpc-js echo` is what the whole of ragplane keeps of the " +
      "transport's rate on its cheapest RPC.",
    `- ${redisLine(report)}`,
    `- Data: one collection of ${int(data.points)} points × ${data.dimension} dims, cosine ` +
      `(${data.clusters} Gaussian clusters, seed ${data.seed}), loaded with Upserts of ` +
      `${options.batchSize}. GetCollection reads that collection's description; Search takes ` +
      `the next of ${data.queries} query vectors, limit ${options.limit}.`,
    `- Load: [ghz](https://ghz.sh) (\`${ghzModule}\`) pinned to cpu 0 with \`taskset\`, one ` +
      `connection, ${options.concurrency} calls in flight; every ragplane child pinned to ` +
      "cpu 1 (`taskset -a -p`), and the private Redis and collector on cpu 0 beside ghz, so " +
      "the server has a core of its own. Each path warms up " +
      `(${seconds(options.warmupMs)}), then ${options.rounds} measured rounds of ` +
      `${seconds(options.measureMs)} each, interleaved round by round (GetCollection on ` +
      "each configuration, then Search on each); figures pool the rounds. ghz's status " +
      "counts are checked: a run with any call not OK fails the benchmark.",
    "",
    ...chainRpcs.flatMap((rpc) => [
      `## ${rpc}`,
      "",
      ...pathTable(
        [...report.configurations.map((c) => c.name), "bare-echo"].flatMap((configuration) => {
          const path = report.paths.find((p) => p.name === pathName(rpc, configuration));
          return path === undefined ? [] : [{ configuration, path }];
        }),
      ),
      "",
    ]),
    "## What the chain adds per call",
    "",
    "| RPC | configuration | server CPU | p50 | p99 |",
    "|---|---|--:|--:|--:|",
    ...report.costs.map(
      (cost) =>
        `| ${cost.rpc} | ${cost.configuration} | ${signedMicros(cost.serverCpuMicros)} | ` +
        `${signedMicros(cost.p50Micros)} | ${signedMicros(cost.p99Micros)} |`,
    ),
    "",
    "Differences against the empty chain on the same RPC. Latencies are per call, " +
      "client-side, including queueing behind the other calls in flight. CPU per call is " +
      "user + system time of the process over the measured rounds divided by their calls; " +
      "cores is that CPU time over the wall time, so a side near 1.00 has its one event loop " +
      "saturated and bounds the throughput. The client is ghz, its CPU read from `/proc` " +
      "once it exits; the server's is read from the child's `/proc/<pid>/stat`. Other cores " +
      "is what the rest of the machine used meanwhile (Redis and the collector included).",
    "",
    "## How to run",
    "",
    "```bash",
    "npm run bench:chain                                # starts a private Redis when REDIS_URL is unset",
    "BENCH_SECONDS=1 BENCH_ROUNDS=1 npm run bench:chain # a quick check",
    "```",
    "",
    "BENCH_CONCURRENCY, BENCH_ROUNDS, BENCH_SECONDS and BENCH_WARMUP_SECONDS change the " +
      "load. With REDIS_URL set, that Redis is used; otherwise `scripts/engines/start.sh " +
      "redis` starts one on a free loopback port in a temporary run dir and `stop.sh` " +
      "removes it at the end, however the run ends. Without redis-server the Redis " +
      "configuration is skipped and the report says so. The traced configuration exports to " +
      "`OTEL_COLLECTOR_OTLP_ENDPOINT` when set, else to a private OpenTelemetry Collector " +
      "started the same way (`start.sh otelcol`, built once with Go). ghz is installed " +
      "with `go install` when missing.",
    "",
  ].join("\n");
}

function checkRow(check: ChainCheck): string {
  return (
    `| ${check.name} | ${check.value.toFixed(3)} | ` +
    `${check.rounds.min.toFixed(3)}–${check.rounds.max.toFixed(3)} | ` +
    `${check.min === undefined ? "—" : `≥ ${check.min}`} | ` +
    `${check.min === undefined ? "reported" : check.pass ? "**pass**" : "**miss**"} |`
  );
}

function pathTable(
  rows: readonly { readonly configuration: string; readonly path: PathResult }[],
): string[] {
  if (rows.length === 0) return ["(not run)"];
  return [
    "| configuration | calls | calls/s | p50 | p99 | server CPU/call | client CPU/call | server cores | client cores | other cores |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ...rows.map(
      ({ configuration, path: p }) =>
        `| ${configuration} | ${int(p.requests)} | ${int(p.throughput)} | ` +
        `${micros(p.latency.p50)} | ${micros(p.latency.p99)} | ` +
        cpuCells(p),
    ),
  ];
}

function redisLine(report: ChainReport): string {
  const { redis } = report;
  if (redis.source === "missing") return `Redis: none (${redis.reason}).`;
  const where =
    redis.source === "started"
      ? "a private redis-server started for the run with `scripts/engines/start.sh redis`"
      : "the one named by REDIS_URL";
  return (
    `Redis ${redis.version}, ${where}: it processed ${redis.commandsPerCall.toFixed(2)} ` +
    "commands per full-redis call while the paths ran."
  );
}

function busyNote(report: ChainReport): string[] {
  const busiest = Math.max(0, ...report.paths.map((p) => p.otherCores));
  const loaded = report.loadAverage.start > 0.5 * report.machine.cores;
  if (!loaded && busiest < 0.5) return [];
  return [
    `- **The machine was not quiet**: load average ${report.loadAverage.start.toFixed(2)} on ` +
      `${report.machine.cores} cores before the run, and up to ${busiest.toFixed(2)} cores used ` +
      "outside the bench process and the measured child during the rounds. Absolute figures " +
      "are skewed by it; the ratios, measured in interleaved rounds, much less.",
  ];
}

function signedMicros(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return `${value >= 0 ? "+" : "−"}${micros(Math.abs(value))}`;
}
