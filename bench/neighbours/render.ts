import { int, micros } from "../format.js";
import { machineLines } from "../machine.js";
import { lateStartMs } from "./load-messages.js";
import type { CallFigures, PhaseResult } from "./phases.js";
import type { NeighboursReport } from "./report.js";

/** The human-readable report, `neighbours.md`. */
export function renderNeighboursReport(report: NeighboursReport): string {
  const { options, headline: h, tenants } = report;
  const phase = (name: string): PhaseResult | undefined =>
    report.phases.find((p) => p.name === name);
  const before = phase("quiet-before");
  const noisy = phase("noisy");
  const after = phase("quiet-after");
  const target = micros(h.p99TargetMicros);
  return [
    "# ragplane benchmark: a noisy neighbour on the embedded engines",
    "",
    `- Date: ${report.date}; the whole run took ${(report.durationMs / 1000).toFixed(0)} s` +
      (options.quick ? " (**--quick**: a quarter of the data, shorter phases)" : ""),
    ...machineLines(report.machine, report.loadAverage),
    ...busyNote(report),
    "",
    `## Tenant B's cheap calls, alone and beside tenant A`,
    "",
    "| figure | B alone | beside A's loops | ratio | target |",
    "|---|--:|--:|--:|---|",
    `| p50 | ${micros(h.alone.p50)} | ${micros(h.beside.p50)} | ${ratio(h.ratios.p50)} | |`,
    `| p99 | ${micros(h.alone.p99)} | ${micros(h.beside.p99)} | ${ratio(h.ratios.p99)} | ` +
      `≤ ${target}: **${h.p99WithinTarget ? "met" : "missed"}** |`,
    `| max | ${micros(h.alone.max)} | ${micros(h.beside.max)} | ${ratio(h.ratios.max)} | |`,
    `| calls (not OK) | ${callCount(before?.quiet?.all)} | ${callCount(noisy?.quiet?.all)} | | |`,
    `| calls started late (longest) | ${lateness(before)} | ${lateness(noisy)} | | |`,
    "",
    `Tenant B (\`${tenants.quiet}\`) sends ${options.quietRate} calls/s on a fixed schedule, ` +
      "GetCollection, GetNode and a small Search in turn; each latency runs from the call's " +
      "scheduled start to its end, so time a call spent queued behind a blocked server " +
      "counts. Percentiles are over the calls that ended OK. A call started late " +
      `(over ${lateStartMs} ms behind its schedule) shows the load core was busy, not the ` +
      "server; its lateness is in its latency. " +
      (after?.quiet === undefined
        ? ""
        : `Alone again after A stopped: p50 ${micros(after.quiet.all.latency.p50)}, ` +
          `p99 ${micros(after.quiet.all.latency.p99)}, max ${micros(after.quiet.all.latency.max)}.`),
    "",
    "| call | phase | calls | statuses | p50 | p99 | max |",
    "|---|---|--:|---|--:|--:|--:|",
    ...[before, noisy, after].flatMap((p) =>
      (p?.quiet?.kinds ?? []).map((kind) => callRow(kind, p!.name)),
    ),
    "",
    `## Tenant A's expensive calls`,
    "",
    `Tenant A (\`${tenants.noisy}\`) runs three closed loops, ${options.noisyConcurrency} ` +
      "call(s) in flight each. Alone: each loop by itself, no other call. Beside B: the three " +
      "together while B's calls run (server CPU per call of the three together: see below). " +
      "A call refused by a server bound counts under its code and is left out of the " +
      "percentiles, and its loop waits the retry delay the refusal names (RetryInfo) before " +
      "its next call, as a well-behaved client does; calls/s counts every call that ended.",
    "",
    "| loop | phase | calls | calls/s | statuses | p50 | p99 | max | server CPU/call |",
    "|---|---|--:|--:|---|--:|--:|--:|--:|",
    ...report.phases.flatMap((p) =>
      p.noisy === undefined
        ? []
        : p.noisy.kinds.map(
            (kind) =>
              `| ${kind.name} | ${p.name} | ${int(kind.calls)} | ` +
              `${(kind.calls / (p.wallMs / 1000)).toFixed(1)} | ${statuses(kind)} | ` +
              `${micros(kind.latency.p50)} | ${micros(kind.latency.p99)} | ` +
              `${micros(kind.latency.max)} | ` +
              `${p.quiet === undefined && p.noisy!.kinds.length === 1 ? micros(p.serverCpuMicrosPerCall) : "–"} |`,
          ),
    ),
    "",
    "## Server CPU",
    "",
    "| phase | what | wall | server CPU | calls | CPU per call | server cores | load cores | other cores |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ...report.phases.map(
      (p) =>
        `| ${p.name} | ${p.description} | ${(p.wallMs / 1000).toFixed(1)} s | ` +
        `${(p.serverCpuMicros / 1e6).toFixed(2)} s | ` +
        `${int((p.quiet?.all.calls ?? 0) + (p.noisy?.all.calls ?? 0))} | ` +
        `${micros(p.serverCpuMicrosPerCall)} | ${p.serverCores.toFixed(2)} | ` +
        `${p.loadCores.toFixed(2)} | ${p.otherCores.toFixed(2)} |`,
    ),
    "",
    "User + system time of the ragplane process, every thread, read from `/proc/<pid>/stat` " +
      "before and after each phase (10 ms ticks), over every call that ended in the phase, " +
      "both tenants. Cores are CPU time over wall time: server cores near 1.0, the " +
      "server's one core was saturated; load cores, the two load processes and the " +
      "benchmark's own; other cores, the rest of the machine, which competes with both.",
    "",
    "## How it ran",
    "",
    ...setupLines(report),
    "",
  ].join("\n");
}

function setupLines(report: NeighboursReport): string[] {
  const { options, loads, tenants } = report;
  const g = options.noisyGraph;
  const v = options.noisyVectors;
  const q = options.quietVectors;
  const hops = Object.entries(report.pathHops)
    .map(([length, count]) => `${count} × ${length} hops`)
    .join(", ");
  const p = options.phases;
  return [
    "- Server: `bench/server-process.ts` (the production interceptor chain) on embedded " +
      `engines in a temporary DATA_DIR, pinned to cpu ${report.cpus.server} with ` +
      "`taskset -a -p` (threads it starts later inherit it), LOG_LEVEL=warn, default " +
      "deadlines; every RATE_LIMIT_{READ,WRITE,STREAM}_PER_{TENANT,PRINCIPAL} at 10,000,000 " +
      "per window (counted, never reached), so only the server's own bounds refuse calls; " +
      `EXPENSIVE_CALLS_PER_TENANT ${boundText(report.expensiveCallsPerTenant)}.`,
    `- Tenants: \`${tenants.noisy}\` (A) and \`${tenants.quiet}\` (B), each with its own JWT ` +
      "signed with the development key in DATA_DIR (every data scope; the subject is the " +
      "tenant, so each is its own principal), each on its own grpc-js connection.",
    `- Tenant A's graph: ${int(g.nodes)} nodes and ${int(g.relationships)} relationships ` +
      "(average out-degree 5): two random graphs of half the nodes each, joined by one " +
      "relationship, generated from a seeded PRNG. Loaded with UpsertNodes then " +
      `UpsertRelationships of ${g.loadBatch}, one call at a time: nodes in ` +
      `${sec(loads.noisy.graph.nodesMs)}, relationships in ${sec(loads.noisy.graph.relationshipsMs)}.`,
    `- ShortestPath: ${g.requests} pairs with one node in each half, max_depth ${g.pathDepth}, ` +
      `both directions; their only path crosses the joining relationship (${hops}), so the ` +
      "bidirectional search grows both sides over most of their halves before they meet.",
    `- Neighbors: ${g.requests} start nodes, max_depth ${g.neighborsDepth}, limit ` +
      `${g.neighborsLimit} (the API's most), both directions; each start's neighbourhood ` +
      "within that depth is larger than the limit.",
    `- Exact Search: ${int(v.points)} × ${v.dimension} dims, cosine (${v.clusters} Gaussian ` +
      `clusters, seed ${v.seed}), ${v.queries} queries, limit ${options.searchLimit}, ` +
      `\`exact: true\`; loaded with Upserts of ${options.upsertBatch} in ${sec(loads.noisy.vectorsMs)}.`,
    `- Tenant B's data: a graph of ${int(options.quietGraph.nodes)} nodes and ` +
      `${int(options.quietGraph.relationships)} relationships (GetNode of 100 of them) and a ` +
      `collection of ${int(q.points)} × ${q.dimension} dims (GetCollection; Search of ` +
      `${q.queries} queries, limit ${options.searchLimit}, not exact).`,
    `- Checked before measuring: ${report.checks.join("; ")}.`,
    `- Load: two Node processes (\`bench/neighbours/load-child.ts\`, one grpc-js channel each), ` +
      `pinned to cpu ${report.cpus.load} with the benchmark's own process. Phases: both tenants ` +
      `warm up together (${sec(p.warmupMs)}); B alone (${sec(p.baselineMs)}); each of A's ` +
      `loops alone (${sec(p.soloMs)} each); A's three loops with B's window of ` +
      `${sec(p.noisyMs)} starting ${sec(p.rampMs)} after them; B alone again ` +
      `(${sec(p.baselineMs / 2)}).`,
    "- Timings are reported, never asserted. Run with `npm run bench:neighbours` " +
      "(`-- --quick` for a quarter of the data and short phases, written to " +
      "`neighbours-quick.*`); BENCH_QUIET_RATE (default 100), BENCH_NOISY_CONCURRENCY " +
      "(default 1) and BENCH_SECONDS (the noisy phase) change the load.",
  ];
}

function busyNote(report: NeighboursReport): string[] {
  const busiest = Math.max(0, ...report.phases.map((p) => p.otherCores));
  const loaded = report.loadAverage.start > 0.5 * report.machine.cores;
  const noisy = report.phases.find((p) => p.name === "noisy");
  const starved = noisy !== undefined && noisy.serverCores < 0.9;
  if (!loaded && busiest < 0.2 && !starved) return [];
  return [
    `- **The machine was not quiet**: load average ${report.loadAverage.start.toFixed(2)} on ` +
      `${report.machine.cores} cores before the run, and up to ${busiest.toFixed(2)} cores used ` +
      "by other processes during a phase (see other cores below). They share the server's " +
      "core, so they add to every latency here, alone as well as beside tenant A." +
      (starved
        ? ` Beside tenant A the server always had work, yet ran ${noisy.serverCores.toFixed(2)} ` +
          "of its core: other processes held it the rest of the time, and calls waited for them."
        : ""),
  ];
}

function boundText(bound: number): string {
  return bound === 0
    ? "0 (unbounded)"
    : `${bound}: a tenant's expensive calls past ${bound} at once are refused RESOURCE_EXHAUSTED`;
}

function callRow(kind: CallFigures, phase: string): string {
  return (
    `| ${kind.name} | ${phase} | ${int(kind.calls)} | ${statuses(kind)} | ` +
    `${micros(kind.latency.p50)} | ${micros(kind.latency.p99)} | ${micros(kind.latency.max)} |`
  );
}

function statuses(figures: CallFigures): string {
  return Object.entries(figures.statuses)
    .sort(([, a], [, b]) => b - a)
    .map(([status, count]) => `${status} ${int(count)}`)
    .join(", ");
}

function callCount(figures: CallFigures | undefined): string {
  if (figures === undefined) return "–";
  return `${int(figures.calls)} (${int(figures.calls - (figures.statuses.OK ?? 0))})`;
}

function lateness(phase: PhaseResult | undefined): string {
  if (phase?.quiet === undefined) return "–";
  return `${int(phase.quiet.lateStarts)} (${phase.quiet.maxStartLagMs.toFixed(1)} ms)`;
}

function ratio(value: number): string {
  return Number.isFinite(value) ? `× ${value.toFixed(1)}` : "n/a";
}

function sec(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
