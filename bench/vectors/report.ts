import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { MachineInfo } from "../machine.js";
import type { Built } from "./build.js";
import type { VectorCheck, VectorPathResult } from "./checks.js";
import type { VectorsBenchOptions } from "./options.js";

/** Everything one run found, as written to `vectors.json`. */
export interface VectorsReport {
  /** ISO 8601 start time. */
  readonly date: string;
  /** Wall time of the whole run, in ms. */
  readonly durationMs: number;
  readonly machine: MachineInfo;
  /** One-minute load average when the run started and when it ended. */
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly options: VectorsBenchOptions;
  /** The version the private Qdrant reports. */
  readonly qdrantVersion: string;
  /** The embedded engine's HNSW parameters (fixed in its code; the API does not set them). */
  readonly embeddedHnsw: {
    readonly connectivity: number;
    readonly expansionAdd: number;
    readonly expansionSearch: number;
  };
  /** How the collections were built: each step's time, CPU and memory; Qdrant's view of them. */
  readonly build: Built;
  readonly checks: readonly VectorCheck[];
  /** Every path, rounds pooled (and each round). */
  readonly paths: readonly VectorPathResult[];
}

/** Writes `vectors.md` and `vectors.json` (`vectors-quick.*` for `--quick`); returns their paths. */
export async function writeVectorsReport(
  directory: string,
  report: VectorsReport,
  markdown: string,
): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const base = report.options.quick ? "vectors-quick" : "vectors";
  const md = join(directory, `${base}.md`);
  const json = join(directory, `${base}.json`);
  await writeFile(md, markdown);
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  return [md, json];
}
