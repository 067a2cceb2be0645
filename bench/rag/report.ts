import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PathResult } from "../engines/rounds.js";
import type { MachineInfo } from "../machine.js";
import type { RagBenchOptions } from "./options.js";

/** One measured ingestion round of one path. */
export interface IngestRound {
  readonly chunks: number;
  readonly wallMs: number;
  /** CPU the ragplane child spent, in µs. */
  readonly serverCpuMicros: number;
  /** CPU the real engines spent (0 on the embedded engines), in µs. */
  readonly enginesCpuMicros: number;
}

/** A loading path's rounds, pooled. */
export interface IngestPath {
  readonly name: "direct" | "ingestion";
  readonly description: string;
  readonly rounds: readonly IngestRound[];
  /** Chunks per second over all rounds. */
  readonly chunksPerSecond: number;
  readonly serverCpuMicrosPerChunk: number;
  readonly enginesCpuMicrosPerChunk: number;
}

/** Everything measured on one set of engines. */
export interface TargetReport {
  /** `embedded` or `real`. */
  readonly kind: "embedded" | "real";
  /** Which engines served, for the report. */
  readonly engines: string;
  readonly ingest: readonly IngestPath[];
  /** ingestion chunks/s over direct chunks/s. */
  readonly ingestRatio: number;
  /** Points each collection held at the end (direct, ingestion): equal when both wrote all. */
  readonly points: { readonly direct: number; readonly ingestion: number };
  readonly retrieve: readonly PathResult[];
  /** Retrieve's throughput over the client composition's. */
  readonly retrieveRatio: number;
  /** Nodes the checked Retrieve answer held over its hits (shows the graph was read). */
  readonly nodesPerHit: number;
}

/** Everything one run found, as written to `rag.json`. */
export interface RagReport {
  readonly date: string;
  readonly durationMs: number;
  readonly machine: MachineInfo;
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly options: RagBenchOptions;
  readonly targets: readonly TargetReport[];
  readonly skipped: readonly string[];
}

/** Writes `rag.md` and `rag.json` into `directory`; returns their paths. */
export async function writeRagReport(
  directory: string,
  report: RagReport,
  markdown: string,
): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const md = join(directory, "rag.md");
  const json = join(directory, "rag.json");
  await writeFile(md, markdown);
  await writeFile(
    json,
    `${JSON.stringify(report, (_, v) => (typeof v === "bigint" ? Number(v) : v), 2)}\n`,
  );
  return [md, json];
}
