import { int, micros } from "../format.js";
import { ghzModule } from "../ghz.js";
import { machineLines } from "../machine.js";
import type { CpuFigures } from "./cpu.js";
import type { CallFigures } from "./figures.js";
import { lateStartMs } from "./load-messages.js";
import { callTypes, mixWeights } from "./mix.js";
import type { LoadPart, LoadReportFile, SoakPart } from "./report.js";
import { metricNames } from "./server-stats.js";
import { flatWithin, type Trend } from "./trend.js";

/** Other processes' cores over the run beyond which the figures are marked skewed. */
const busyOtherCores = 0.1;
/** Over which span the load's CPU is counted. */
const loadSpan =
  "from the measured window's start until the last call ended, over the calls started in the window";
/** A core this busy is saturated. */
const saturatedCore = 0.95;

/** The human-readable report, `load.md`: every part the JSON holds. */
export function renderLoadReport(report: LoadReportFile): string {
  const loads = [report.loadEmbedded, report.loadReal].filter((p) => p !== undefined);
  const soaks = [report.soakEmbedded, report.soakReal].filter((p) => p !== undefined);
  const any = loads[0] ?? soaks[0];
  return [
    "# ragplane benchmark: load and soak",
    "",
    "Each part below ran on its own (`npm run bench:load`, `-- --engines real`, " +
      "`-- --soak`) and carries its own date, commit and load average. Figures are what " +
      "this machine measured once; they are not targets.",
    "",
    ...loads.flatMap(renderLoad),
    ...soaks.flatMap(renderSoak),
    ...(any === undefined ? [] : setupLines(any)),
    "",
  ].join("\n");
}

function renderLoad(part: LoadPart): string[] {
  const f = part.figures;
  const inFlight = (type: (typeof callTypes)[number]) =>
    `${f.split.grpc[type]} + ${f.split.connect[type]}`;
  const total = f.overall.find((row) => row.name === "everything");
  return [
    `## Load on ${enginesText(part)}`,
    "",
    ...runLines(part, busyNote(f.cpu)),
    `- Load: ${sum(f.split.grpc)} gRPC calls in flight over ${sum(f.split.grpcConnections)} ` +
      `HTTP/2 connections (ghz, one process per call type) and ${sum(f.split.connect)} ` +
      "Connect JSON calls in flight (a Node load process, one HTTP/1.1 keep-alive " +
      `connection per call in flight), closed loops: a ${seconds(part.shape.warmupMs)} warm-up ` +
      `then, without a pause, ${seconds(part.shape.durationMs)} measured; only the calls ` +
      "started in the measured window are counted" +
      (part.scale < 1 ? `; **scaled to ${part.scale} of the default concurrency**` : ""),
    "",
    "| call | in flight (gRPC + Connect) | calls | calls/s | share | p50 | p90 | p99 | max | not OK |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ...f.byType.map(
      (row) =>
        `| ${row.name} | ${inFlight(row.name as (typeof callTypes)[number])} | ${int(row.calls)} | ` +
        `${int(row.throughput)} | ${share(row, total)} | ${latencyCells(row)} | ${int(row.notOk)} |`,
    ),
    ...f.overall.map(
      (row) =>
        `| **${row.name}** | | ${int(row.calls)} | ${int(row.throughput)} | ${share(row, total)} | ` +
        `${latencyCells(row)} | ${int(row.notOk)} |`,
    ),
    "",
    "| protocol | call | in flight | calls | calls/s | p50 | p99 | statuses |",
    "|---|---|--:|--:|--:|--:|--:|---|",
    ...protocolRows("gRPC (ghz)", f.grpc, f.split.grpc),
    ...protocolRows("Connect JSON", f.connect, f.split.connect),
    "",
    ...errorLines(total),
    ...(f.warmup === undefined
      ? []
      : ["", `Warm-up: ${int(f.warmup.calls)} calls, ${int(f.warmup.notOk)} of them not OK.`]),
    "",
    "| server | data loaded (idle) | measured window's start (under load) | every call ended |",
    "|---|--:|--:|--:|",
    `| RSS | ${mib(f.memory.loaded.rssBytes)} | ${mib(f.memory.before.rssBytes)} | ${mib(f.memory.after.rssBytes)} |`,
    `| V8 heap used | ${mib(f.memory.loaded.heapUsedBytes)} | ${mib(f.memory.before.heapUsedBytes)} | ${mib(f.memory.after.heapUsedBytes)} |`,
    `| active handles | ${f.memory.loaded.activeHandles} | ${f.memory.before.activeHandles} | ${f.memory.after.activeHandles} |`,
    "",
    ...cpuLines(f.cpu, total?.calls ?? 0, f.wallMs, part, loadSpan),
    "",
  ];
}

function protocolRows(
  protocol: string,
  rows: readonly CallFigures[],
  inFlight: Readonly<Record<string, number>>,
): string[] {
  return rows.map(
    (row) =>
      `| ${protocol} | ${row.name} | ${inFlight[row.name] ?? ""} | ${int(row.calls)} | ` +
      `${int(row.throughput)} | ${micros(row.latency.p50)} | ${micros(row.latency.p99)} | ` +
      `${statusText(row.statuses)} |`,
  );
}

function renderSoak(part: SoakPart): string[] {
  const f = part.figures;
  const total = f.overall.find((row) => row.name === "everything");
  const half = (part.shape.minutes * 60) / 2;
  return [
    `## Soak on ${enginesText(part)}`,
    "",
    ...runLines(part, busyNote(f.cpu)),
    `- Load: ${part.shape.rate} calls/s on a fixed schedule for ${part.shape.minutes} min, ` +
      "the call types in the mix's proportions, Connect JSON (HTTP/1.1) and gRPC (grpc-js) " +
      `in turn, from one Node load process; ${int(f.lateStarts)} calls started over ` +
      `${lateStartMs} ms behind schedule (longest ${f.maxStartLagMs.toFixed(1)} ms)`,
    `- Sampled every ${part.shape.sampleMs / 1000} s: RSS from \`/proc/<pid>/status\` ` +
      `(VmRSS), \`${metricNames.heapUsed}\` and \`${metricNames.handles}\` (summed over ` +
      "handle types) from the server's metrics port",
    "",
    "| figure | mean (2nd half) | slope per minute | change over the 2nd half | noise (2 × residual SD) | verdict |",
    "|---|--:|--:|--:|--:|---|",
    trendRow("RSS", f.trends.rssBytes, mib),
    trendRow("V8 heap used", f.trends.heapUsedBytes, mib),
    trendRow("active handles", f.trends.activeHandles, (v) => v.toFixed(1)),
    "",
    `Lines are least-squares fits over the samples from ${half} s on (the second half, so ` +
      "warm-up does not count). A figure is flat when the line's change over that half is " +
      `within ${flatWithin.residualSds} × the samples' residual standard deviation or ` +
      `${100 * flatWithin.shareOfMean} % of their mean, whichever is larger.`,
    "",
    "| call | calls | calls/s | p50 | p90 | p99 | max | not OK |",
    "|---|--:|--:|--:|--:|--:|--:|--:|",
    ...[...f.byType, ...f.overall].map(
      (row) =>
        `| ${row.name} | ${int(row.calls)} | ${row.throughput.toFixed(1)} | ${latencyCells(row)} | ${int(row.notOk)} |`,
    ),
    "",
    ...errorLines(total),
    "",
    ...cpuLines(
      f.cpu,
      total?.calls ?? 0,
      f.wallMs,
      part,
      "from the first scheduled call to the last call's end",
    ),
    "",
    "| at | RSS | V8 heap used | active handles | calls since the last sample | not OK | server cores |",
    "|--:|--:|--:|--:|--:|--:|--:|",
    ...f.samples.map(
      (s) =>
        `| ${(s.atMs / 1000).toFixed(0)} s | ${mib(s.rssBytes)} | ${mib(s.heapUsedBytes)} | ` +
        `${s.activeHandles} | ${int(s.calls)} | ${int(s.notOk)} | ${s.serverCores.toFixed(2)} |`,
    ),
    "",
  ];
}

function trendRow(name: string, t: Trend, unit: (value: number) => string): string {
  return (
    `| ${name} | ${unit(t.mean)} | ${signed(unit(t.perMinute))} | ${signed(unit(t.change))} | ` +
    `${unit(flatWithin.residualSds * t.residualSd)} | **${t.verdict}** |`
  );
}

function runLines(part: LoadPart | SoakPart, note: string): string[] {
  return [
    `- Date: ${part.date}; the part took ${seconds(part.durationMs)}` +
      (part.quick ? " (**--quick**: less data, shorter load)" : ""),
    ...machineLines(part.machine, part.loadAverage, note),
    `- Pinning: the server on cpu ${part.cpus.server} (\`taskset -a -p\`, every thread); ` +
      `${loadSide(part)} on cpu ${part.cpus.load}` +
      (part.engines.source === "started" ? `, with the engines it started` : ""),
  ];
}

function loadSide(part: LoadPart | SoakPart): string {
  return "rate" in part.shape
    ? "the Node load process and this benchmark"
    : "ghz, the Node load process and this benchmark";
}

function enginesText(part: LoadPart | SoakPart): string {
  if (part.engines.kind === "embedded") return "the embedded engines";
  const all = ["Kafka", "Neo4j", "Redis", "Qdrant"];
  const embedded = all.filter((name) => !part.engines.real.includes(name));
  return (
    `real engines (${part.engines.real.join(", ")}` +
    `${part.engines.source === "started" ? ", started for the run" : ", from the environment"})` +
    (embedded.length > 0 ? `; ${embedded.join(", ")} embedded` : "")
  );
}

function busyNote(cpu: CpuFigures): string {
  return cpu.otherCores > busyOtherCores
    ? ` — **other processes used ${cpu.otherCores.toFixed(2)} cores meanwhile; the figures ` +
        "are skewed by them**"
    : "";
}

function cpuLines(
  cpu: CpuFigures,
  calls: number,
  wallMs: number,
  part: LoadPart | SoakPart,
  span: string,
): string[] {
  const loadCore = cpu.coreBusy[part.cpus.load] ?? 0;
  return [
    `Server CPU: ${cpuSeconds(cpu.serverMicros)} over ${seconds(wallMs)} and ${int(calls)} ` +
      `calls, **${fixedMicros(cpu.serverMicrosPerCall)} per call** (every type and protocol ` +
      `together; CPU ${span}). Cores (CPU time over wall time): server ` +
      `${cpu.serverCores.toFixed(2)}, load side (${loadSide(part)}) ` +
      `${cpu.loadCores.toFixed(2)}` +
      (part.engines.source === "started" ? `, engines ${cpu.engineCores.toFixed(2)}` : "") +
      `, other processes ${cpu.otherCores.toFixed(2)}; busy: ` +
      `${cpu.coreBusy.map((busy, i) => `cpu ${i} ${busy.toFixed(2)}`).join(", ")}. ` +
      `Server threads: ${threadsText(cpu)}.` +
      (loadCore >= saturatedCore
        ? ` **The load core was saturated** (${loadCore.toFixed(2)}): the load offered may ` +
          "have been less than the server could take, and the latencies include the load " +
          "side's own queueing."
        : ""),
  ];
}

function errorLines(total: CallFigures | undefined): string[] {
  if (total === undefined) return [];
  if (total.notOk === 0) return [`Every one of the ${int(total.calls)} calls ended OK.`];
  return [
    `**${int(total.notOk)} calls did not end OK** (${statusText(total.statuses)}):`,
    "",
    ...Object.entries(total.errors).map(([message, count]) => `- ${int(count)} × \`${message}\``),
  ];
}

function setupLines(part: LoadPart | SoakPart): string[] {
  const d = part.data;
  const mix = callTypes.map((type) => `${type} ${100 * mixWeights[type]} %`).join(", ");
  return [
    "## How it ran",
    "",
    "- Server: `bench/server-process.ts` (the production interceptor chain, metrics on) in a " +
      "temporary DATA_DIR, LOG_LEVEL=warn, default deadlines; every RATE_LIMIT_*_PER_TENANT " +
      `and _PER_PRINCIPAL at ${int(part.server.lowestRateLimit)} per window or more, every ` +
      `QUOTA_* at ${int(part.server.lowestQuota)} or more (counted, never reached), ` +
      `EXPENSIVE_CALLS_PER_TENANT ${part.server.expensiveCallsPerTenant === 0 ? "0 (unbounded)" : part.server.expensiveCallsPerTenant}, ` +
      "so no call is refused by a limit meant for a misbehaving tenant.",
    `- Tenants: ${Object.entries(part.tenants.names)
      .map(([client, tenant]) => `\`${tenant}\` for the ${client} clients`)
      .join(", ")}, each with a JWT signed with the development key in DATA_DIR (every ` +
      "data scope; the subject is the tenant).",
    `- Data, per tenant, loaded through the API: a ${int(d.points)} × ${d.dimension} cosine ` +
      `collection (16 Gaussian clusters), a topic of ${d.topicPartitions} partitions, a graph ` +
      `of ${int(d.graphNodes)} nodes and ${int(d.graphRelationships)} relationships; each ` +
      `answer checked once before the load (${part.tenants.checks.length} checks).`,
    `- Mix (share of the calls in flight, and of the scheduled calls): ${mix}. Search: ` +
      `${d.queries} vectors near the data, limit ${d.searchLimit}; Neighbors: depth ` +
      `${d.neighborsDepth}, limit ${d.neighborsLimit}, ${d.starts} start nodes; Publish: ` +
      `${d.eventsPerPublish} events of ${d.eventBytes} bytes, every id new; Upsert: ` +
      `${d.pointsPerUpsert} points, rewriting loaded ids; UpsertNodes: ${d.nodesPerUpsert} ` +
      "nodes, rewriting loaded ids; GetCollection of the tenant's collection.",
    `- ghz: \`${ghzModule}\`, \`--duration-stop wait\` (calls in flight at the end are ` +
      "waited for, not cancelled), `--cpus 1`, statuses from its JSON report. Connect JSON: " +
      '`@connectrpc/connect-node` with `useBinaryFormat: false` and `httpVersion: "1.1"`, ' +
      "default compression settings.",
    "- Latencies are per call, client-side, over the calls that ended OK, and include queueing " +
      "behind the other calls in flight: with hundreds of calls in flight on one server core, " +
      "they measure the queue more than the call. Server CPU is user + system time of the " +
      "ragplane process, every thread, from `/proc/<pid>/stat`; by thread from " +
      "`/proc/<pid>/task/*/stat`, grouped by thread name (`MainThread`: the event loop; " +
      "`V8Worker`: V8's helper threads, mostly garbage collection; `WorkerThread`: worker " +
      "threads, on the embedded engines the graph store's reader threads, which run " +
      "Neighbors at nice 10).",
  ];
}

function threadsText(cpu: CpuFigures): string {
  return (cpu.serverThreads ?? [])
    .filter((group) => group.cores >= 0.005)
    .map(
      (group) =>
        `${group.name}${group.threads > 1 ? ` × ${group.threads}` : ""}` +
        `${group.nice === 0 ? "" : ` (nice ${group.nice})`} ${group.cores.toFixed(2)}`,
    )
    .join(", ");
}

function latencyCells(row: CallFigures): string {
  const l = row.latency;
  return `${micros(l.p50)} | ${micros(l.p90)} | ${micros(l.p99)} | ${micros(l.max)}`;
}

function statusText(statuses: Readonly<Record<string, number>>): string {
  return Object.entries(statuses)
    .sort(([a], [b]) => (a === "OK" ? -1 : b === "OK" ? 1 : a.localeCompare(b)))
    .map(([status, count]) => `${status} ${int(count)}`)
    .join(", ");
}

function share(row: CallFigures, total: CallFigures | undefined): string {
  return total && total.calls > 0 ? `${((100 * row.calls) / total.calls).toFixed(1)} %` : "–";
}

function sum(values: Readonly<Record<string, number>>): number {
  return Object.values(values).reduce((total, value) => total + value, 0);
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function signed(text: string): string {
  return text.startsWith("-") ? text : `+${text}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

function cpuSeconds(microseconds: number): string {
  return `${(microseconds / 1e6).toFixed(1)} s`;
}

function fixedMicros(value: number | null): string {
  return value === null || !Number.isFinite(value) ? "n/a" : micros(value);
}
