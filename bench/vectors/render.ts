import { int, micros, seconds } from "../format.js";
import { ghzModule } from "../ghz.js";
import { machineLines } from "../machine.js";
import { type BuildStep, directPrefix } from "./build.js";
import { label, type VectorCheck, type VectorPathResult } from "./checks.js";
import { bucketKey, searchFilters } from "./data.js";
import { sizeLabel } from "./paths.js";
import type { QdrantCollectionState } from "./qdrant-rest.js";
import type { VectorsReport } from "./report.js";

/** The human-readable report, `vectors.md`. */
export function renderVectorsReport(report: VectorsReport): string {
  const { options, embeddedHnsw: e } = report;
  const hnsw = options.hnsw;
  return [
    `# ragplane benchmark: vector Search against Qdrant${options.quick ? " (quick run)" : ""}`,
    "",
    `- Date: ${report.date}; the whole run took ${(report.durationMs / 1000).toFixed(0)} s`,
    ...machineLines(report.machine, report.loadAverage),
    ...busyNote(report),
    "",
    "## Targets (ratios of this run)",
    "",
    "| figure | value | single rounds | target | result |",
    "|---|--:|--:|--:|---|",
    ...report.checks.map(checkRow),
    "",
    "Every ratio compares paths measured in the same run, in interleaved rounds, on the " +
      "same data, the same core and the same ghz settings. Latency ratios compare p50 " +
      `latencies under the same load (${options.concurrency} calls in flight).`,
    "",
    "## Paths",
    "",
    `- **Qdrant gRPC**: Qdrant ${report.qdrantVersion}'s own \`qdrant.Points/Search\`, a private ` +
      "server started with `scripts/engines/start.sh qdrant` (temporary run dir, free " +
      "loopback ports, API key, telemetry off). Its collection is created over REST with " +
      `HNSW m ${hnsw.m}, ef_construct ${hnsw.efConstruct}, an integer payload index on ` +
      `\`${bucketKey}\` before any point, indexing off during the load (Qdrant's advice for ` +
      "bulk loads) and then an indexing threshold of 1 KB so that every segment is " +
      `HNSW-indexed; searched with \`hnsw_ef\` ${hnsw.ef}, no payload, no vectors. The ` +
      "request descriptors come from the server itself over gRPC reflection.",
    `- **embedded**: ragplane with no engine URL (vectors in its embedded engine, DATA_DIR in ` +
      `a temporary dir). Its HNSW (usearch) is M ${e.connectivity}, ef_construction ` +
      `${e.expansionAdd}, ef ${e.expansionSearch}, fixed in the engine: the API does not set them.`,
    "- **ragplane on Qdrant**: ragplane with QDRANT_URL and QDRANT_API_KEY pointing at the same " +
      "Qdrant. ragplane's API exposes no HNSW, optimizer or search-ef settings, so the " +
      "collection has the settings ragplane's Qdrant adapter gives it and searches use " +
      "Qdrant's default ef: what Qdrant reports of those collections is below. The CPU " +
      "ragplane spends per call and the CPU Qdrant spends for it are reported apart.",
    "- Both ragplane servers are `bench/load/server.ts` children: the production interceptor " +
      "chain, a JWT of tenant `default`, LOG_LEVEL=warn, metrics on, and every rate limit, " +
      "quota and the expensive-call cap lifted (counted, never reached). Collections are " +
      `created with CreateCollection (cosine, an INTEGER payload index on \`${bucketKey}\`) and ` +
      `loaded with Upserts of ${options.batchSize} points through the public gRPC API only.`,
    `- Data: per size, seeded points × ${options.dimension} dims, cosine, ${options.clusters} ` +
      `Gaussian clusters (\`bench/dataset.ts\`: centres N(0,1), points σ ${options.spread}, queries ` +
      `σ ${options.queryNoise} around data points; seed ${options.seed} + size); payload ` +
      `\`{cluster, ${bucketKey}}\`, \`${bucketKey}\` uniform in 0–99. ${int(options.queries)} different ` +
      `queries per path, limit ${options.limit}; queries whose encoding holds \`{{\` (which ghz ` +
      "would read as a template) are skipped for spares, the same ones on every path.",
    `- Filters at ${sizeLabel(options.filteredSize)}: ` +
      searchFilters.map((f) => `${f.name} selective, \`${f.condition}\``).join("; ") +
      ", the same condition in ragplane's and Qdrant's filter forms.",
    `- recall@${options.limit}: every query once through each path, against exact cosine ` +
      "neighbours computed in the benchmark process (usearch's brute force over the same " +
      "vectors, restricted to the points the filter keeps).",
    `- Load: [ghz](https://ghz.sh) (\`${ghzModule}\`) pinned to cpu 1 with \`taskset\`, one ` +
      `connection, ${options.concurrency} calls in flight, the requests encoded beforehand and ` +
      "sent as varint-delimited binary (`--binary-file`); Qdrant and both ragplane servers " +
      "pinned to cpu 0 (`taskset -a -p`, every thread), so each path has the same one core. " +
      `Each path warms up (${seconds(options.warmupMs)}, which also sizes its runs), then ` +
      `${options.rounds} measured round${options.rounds === 1 ? "" : "s"} of about ` +
      `${seconds(options.measureMs)}, interleaved path by path; figures pool the rounds. ` +
      "Every call's status in ghz's report is checked: a run with any call not OK fails " +
      "the benchmark instead of counting as throughput.",
    "",
    "## Build and memory",
    "",
    "| path | sizes | step | wall time | ragplane CPU | Qdrant CPU | ragplane RSS after | Qdrant RSS after | alongside |",
    "|---|---|---|--:|--:|--:|--:|--:|---|",
    ...report.build.steps.map(stepRow),
    "",
    "Steps run in this order: ragplane on Qdrant loads every size; the embedded engine " +
      "loads every size while Qdrant indexes what ragplane stored (two processes, on two " +
      "cores); then Qdrant's own collections load and index, Qdrant alone. CPU is user + " +
      "system time of each process over the step (from `/proc/<pid>/stat`), the figure to " +
      "compare on a shared machine; Qdrant's RSS covers every collection it holds by then " +
      "(ragplane's and its own). The embedded engine builds its HNSW index while it loads.",
    "",
    "## Qdrant collections once settled",
    "",
    "| collection | holds | points | HNSW-indexed vectors | segments | m | payload_m | ef_construct | indexing threshold |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ...collectionRows(report),
    "",
    "A vector in a segment that is not HNSW-indexed is searched by a full scan. m 0 with a " +
      "payload_m builds no graph over the whole collection, one per tenant instead (Qdrant's " +
      "payload partitioning). Qdrant searches each segment's graph on its own and merges " +
      "the hits, so with two segments a search at `hnsw_ef` 64 weighs about twice the " +
      "candidates of the single graph the embedded engine searches: more CPU, and recall a " +
      "little higher.",
    "",
    ...report.options.sizes.flatMap((size) => sizeSection(report, size)),
    "## How to run",
    "",
    "```bash",
    "npm run bench:vectors                              # 10k and 100k points",
    "npm run bench:vectors -- --quick                   # 10k, one short round: a functional check",
    "npm run bench:vectors -- --points 10000,1000000    # other sizes (filters at the largest)",
    "```",
    "",
    "BENCH_CONCURRENCY, BENCH_ROUNDS, BENCH_SECONDS and BENCH_WARMUP_SECONDS change the load. " +
      "The run starts its own Qdrant (the Qdrant 1.18.3 server binary of `scripts/engines`) and " +
      "stops it at the end, however the run ends; ghz is installed with `go install` when missing.",
    "",
  ].join("\n");
}

function sizeSection(report: VectorsReport, size: number): string[] {
  const rows = report.paths.filter((p) => p.size === size);
  const unfiltered = rows.filter((p) => p.filter === undefined);
  const filtered = rows.filter((p) => p.filter !== undefined);
  return [
    `## Search, ${int(size)} points`,
    "",
    ...pathTable(unfiltered, report.options.limit),
    "",
    ...(filtered.length === 0
      ? []
      : [
          `### Filtered Search, ${int(size)} points`,
          "",
          ...pathTable(filtered, report.options.limit),
          "",
        ]),
    "Latencies are per call, at ghz, including the wait behind the other calls in flight. " +
      "CPU per call is user + system time of the process (every thread, from " +
      "`/proc/<pid>/stat`) over the measured rounds divided by their calls: the server's " +
      "(Qdrant on the Qdrant path, ragplane on the others), the Qdrant behind ragplane's, and " +
      "ghz's. Cores is that CPU time over the wall time: the servers share cpu 0, so a server " +
      "near 1.00 (with its engine) is the bottleneck. Other cores is what the rest of the " +
      "machine used meanwhile.",
    "",
  ];
}

function pathTable(rows: readonly VectorPathResult[], limit: number): string[] {
  return [
    `| path | filter | calls | calls/s | p50 | p99 | server CPU/call | Qdrant CPU/call behind ragplane | ghz CPU/call | server cores | Qdrant cores behind ragplane | ghz cores | other cores | recall@${limit} |`,
    "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ...rows.map(
      (p) =>
        `| ${label(p.kind)} | ${p.filter ?? "—"} | ${int(p.requests)} | ${int(p.throughput)} | ` +
        `${micros(p.latency.p50)} | ${micros(p.latency.p99)} | ` +
        `${p.serverCpuMicrosPerCall === undefined ? "–" : micros(p.serverCpuMicrosPerCall)} | ` +
        `${p.engineCpuMicrosPerCall === undefined ? "–" : micros(p.engineCpuMicrosPerCall)} | ` +
        `${micros(p.clientCpuMicrosPerCall)} | ${p.serverCores?.toFixed(2) ?? "–"} | ` +
        `${p.engineCores?.toFixed(2) ?? "–"} | ${p.clientCores.toFixed(2)} | ` +
        `${p.otherCores.toFixed(2)} | ${p.recall.toFixed(3)} |`,
    ),
  ];
}

function stepRow(step: BuildStep): string {
  const cpu = (ms: number | undefined) => (ms === undefined ? "–" : seconds(round(ms)));
  const rss = (bytes: number | undefined) => (bytes === undefined ? "–" : mib(bytes));
  return (
    `| ${label(step.path)} | ${step.sizes.map(sizeLabel).join(", ")} | ${step.step} | ` +
    `${seconds(round(step.wallMs))} | ${cpu(step.ragplaneCpuMs)} | ${cpu(step.qdrantCpuMs)} | ` +
    `${rss(step.ragplaneRssBytes)} | ${rss(step.qdrantRssBytes)} | ${step.alongside ?? "—"} |`
  );
}

function collectionRows(report: VectorsReport): string[] {
  const states: { holds: string; state: QdrantCollectionState }[] = [
    ...report.build.qdrantCollections.map((state) => ({
      holds: `Qdrant gRPC path, ${int(state.pointsCount)} points`,
      state,
    })),
    ...report.build.ragplaneCollections.map((state) => ({
      holds: "ragplane on Qdrant (named by ragplane's adapter)",
      state,
    })),
  ];
  return states.map(
    ({ holds, state: c }) =>
      `| \`${c.name.startsWith(directPrefix) ? c.name : shorten(c.name)}\` | ${holds} | ${int(c.pointsCount)} | ` +
      `${int(c.indexedVectorsCount)} | ${c.segmentsCount} | ${c.hnsw.m ?? "?"} | ${c.hnsw.payloadM ?? "—"} | ${c.hnsw.efConstruct ?? "?"} | ` +
      `${c.indexingThresholdKb === undefined ? "default" : `${int(c.indexingThresholdKb)} KB`} |`,
  );
}

function checkRow(check: VectorCheck): string {
  const value = Number.isFinite(check.value) ? check.value.toFixed(3) : "n/a";
  const rounds =
    check.rounds === undefined
      ? "—"
      : `${check.rounds.min.toFixed(3)}–${check.rounds.max.toFixed(3)}`;
  const target = check.target === undefined ? "—" : `${check.target.op} ${check.target.bound}`;
  const result = check.pass === undefined ? "reported" : check.pass ? "**pass**" : "**miss**";
  return `| ${check.name} | ${value} | ${rounds} | ${target} | ${result} |`;
}

function busyNote(report: VectorsReport): string[] {
  const busiest = Math.max(0, ...report.paths.map((p) => p.otherCores));
  const loaded = report.loadAverage.start > 0.5 * report.machine.cores;
  if (!loaded && busiest < 0.3) return [];
  return [
    `- **The machine was not quiet**: load average ${report.loadAverage.start.toFixed(2)} on ` +
      `${report.machine.cores} cores before the run, and up to ${busiest.toFixed(2)} cores used ` +
      "by other processes during the rounds (the other cores column). The servers and ghz " +
      "share their cores with that work, so absolute figures are skewed by it; the ratios, " +
      "measured in interleaved rounds, much less. Re-run on a quiet machine for figures to quote.",
  ];
}

function shorten(name: string): string {
  return name.length > 48 ? `${name.slice(0, 45)}…` : name;
}

function mib(bytes: number): string {
  return `${int(bytes / 2 ** 20)} MiB`;
}

function round(ms: number): number {
  return Math.round(ms / 100) * 100;
}
