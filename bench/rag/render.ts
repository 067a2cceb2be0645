import type { PathResult } from "../engines/rounds.js";
import { cpuCells, int, micros, seconds } from "../format.js";
import { machineLines } from "../machine.js";
import type { IngestPath, RagReport, TargetReport } from "./report.js";

/** The human-readable report, `rag.md`. */
export function renderRagReport(report: RagReport): string {
  const { options } = report;
  return [
    "# ragplane benchmark: ingestion and Retrieve",
    "",
    `- Date: ${report.date}; the whole run took ${(report.durationMs / 1000).toFixed(0)} s`,
    ...machineLines(report.machine, report.loadAverage),
    "",
    "## Results",
    "",
    "| engines | figure | ratio | target | result |",
    "|---|---|--:|--:|---|",
    ...report.targets.flatMap((t) => [
      `| ${t.kind} | ingestion chunks/s over direct writes' | ${t.ingestRatio.toFixed(3)} | — | reported |`,
      `| ${t.kind} | Retrieve throughput over Search + Neighbors' | ${t.retrieveRatio.toFixed(3)} | > 1 | ${t.retrieveRatio > 1 ? "**pass**" : "**miss**"} |`,
    ]),
    "",
    ...report.skipped.map((line) => `- **Skipped**: ${line}`),
    ...(report.skipped.length === 0 ? [] : [""]),
    "## How it was measured",
    "",
    `- Data: chunks of ${options.dimension}-dimension vectors (20 Gaussian clusters), a short ` +
      `text, ${options.entitiesPerChunk} entities each from a pool of ${int(options.entityPool)} ` +
      `per round, and a chain of relations between them; ${int(options.chunksPerRound)} chunks ` +
      `per round and path, ${options.rounds} rounds, after a warm-up round of 300 chunks on each path.`,
    `- Direct writes: per batch of ${options.batchSize} chunks, UpsertNodes of its entities, ` +
      "Upsert of its points (the payload ingestion writes) and UpsertRelationships of its " +
      `relations, ${options.batchesInFlight} batches in flight.`,
    `- Ingestion: Publish of the same chunks as \`application/vnd.ragplane.chunk+protobuf\` ` +
      `events (${options.batchSize} per call, ${options.batchesInFlight} calls in flight) to a ` +
      `topic of ${options.partitions} partitions whose ingestion writes to a collection and ` +
      "the graph; a round ends when GetIngestion reports no lag (every chunk projected and " +
      "its offset committed).",
    `- Retrieve: one call, limit ${options.retrieve.limit}, depth ${options.retrieve.depth}, ` +
      `${options.retrieve.expandLimit} nodes per hit; against what a client does without it — ` +
      "a Search with payloads, then a Neighbors call per entity of every hit (in parallel), " +
      `merged per hit. ${options.retrieve.concurrency} queries in flight, closed loop, ` +
      `${options.retrieve.queries} query vectors in turn; a warm-up of ` +
      `${seconds(options.retrieve.warmupMs)}, then ${options.rounds} rounds of ` +
      `${seconds(options.retrieve.measureMs)} per path, interleaved.`,
    "- The ragplane child (`bench/load/server.ts`: rate limits and quotas lifted, metrics on) " +
      `is pinned to cpu 0; this process (the client) and the real engines to cpu 1. CPU ` +
      "times come from `/proc/<pid>/stat`.",
    "",
    ...report.targets.flatMap(targetSection),
    "## How to run",
    "",
    "```bash",
    "npm run bench:rag                    # embedded engines, then real ones started for the run",
    "npm run bench:rag -- --engines embedded  # embedded engines only (also: real)",
    "```",
    "",
    "BENCH_CHUNKS, BENCH_ROUNDS, BENCH_DIMENSION, BENCH_CONCURRENCY and BENCH_SECONDS change " +
      "the load. With KAFKA_BROKERS, NEO4J_URL, REDIS_URL or QDRANT_URL set, those engines " +
      "are used instead of starting private ones.",
    "",
  ].join("\n");
}

function targetSection(target: TargetReport): string[] {
  return [
    `## ${target.kind === "embedded" ? "Embedded engines" : "Real engines"}: ${target.engines}`,
    "",
    "### Loading chunks",
    "",
    "| path | chunks | chunks/s | server CPU/chunk | engines CPU/chunk | rounds (chunks/s) |",
    "|---|--:|--:|--:|--:|---|",
    ...target.ingest.map(ingestRow),
    "",
    `Each collection held ${int(target.points.ingestion)} points at the end, as expected.`,
    "",
    "### One RAG query",
    "",
    "| path | queries | queries/s | p50 | p99 | server CPU/query | client CPU/query | server cores | client cores | other cores |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ...target.retrieve.map(retrieveRow),
    "",
    `The Retrieve answer checked before measuring held ${target.nodesPerHit.toFixed(1)} nodes per hit.`,
    "",
  ];
}

function ingestRow(path: IngestPath): string {
  const chunks = path.rounds.reduce((total, r) => total + r.chunks, 0);
  return (
    `| ${path.name}: ${path.description} | ${int(chunks)} | ${int(path.chunksPerSecond)} | ` +
    `${micros(path.serverCpuMicrosPerChunk)} | ${micros(path.enginesCpuMicrosPerChunk)} | ` +
    `${path.rounds.map((r) => int((1000 * r.chunks) / r.wallMs)).join(", ")} |`
  );
}

function retrieveRow(path: PathResult): string {
  return (
    `| ${path.description} | ${int(path.requests)} | ${int(path.throughput)} | ` +
    `${micros(path.latency.p50)} | ${micros(path.latency.p99)} | ${cpuCells(path)}`
  );
}
