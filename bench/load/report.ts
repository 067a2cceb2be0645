import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { MachineInfo } from "../machine.js";
import type { DataSpec } from "./data.js";
import type { LoadFigures } from "./load-phase.js";
import type { LoadShape, SoakShape } from "./options.js";
import type { SoakFigures } from "./soak.js";

/** Where and when one part of the report ran. */
export interface RunInfo {
  /** ISO 8601 start time. */
  readonly date: string;
  /** Wall time of the part, engines and data loading included, in ms. */
  readonly durationMs: number;
  readonly machine: MachineInfo;
  /** One-minute load average when the part started and when it ended. */
  readonly loadAverage: { readonly start: number; readonly end: number };
  /** The cores the server and the load were pinned to. */
  readonly cpus: { readonly server: number; readonly load: number };
  /** `--quick`. */
  readonly quick: boolean;
}

/** The engines behind the server of one part. */
export interface EnginesInfo {
  readonly kind: "embedded" | "real";
  /** Real engines: which (`Kafka`, `Neo4j`, `Redis`, `Qdrant`); the others ran embedded. */
  readonly real: readonly string[];
  /** Real engines: named by the environment, or started by the run. */
  readonly source?: "environment" | "started";
}

/** How the server was configured, as it read its environment. */
export interface ServerInfo {
  /** `EXPENSIVE_CALLS_PER_TENANT` (0: unbounded). */
  readonly expensiveCallsPerTenant: number;
  /** The lowest of the per-tenant and per-principal rate limits, per window. */
  readonly lowestRateLimit: number;
  /** The lowest default quota. */
  readonly lowestQuota: number;
}

/** The tenants, and loading their data through the API. */
export interface TenantsInfo {
  /** Tenant name by client (`gRPC`, `Connect JSON`). */
  readonly names: Readonly<Record<string, string>>;
  /** Loading each tenant's data, in ms. */
  readonly loadMs: Readonly<Record<string, number>>;
  readonly checks: readonly string[];
}

/** One load run on one set of engines. */
export interface LoadPart extends RunInfo {
  readonly engines: EnginesInfo;
  readonly server: ServerInfo;
  readonly shape: LoadShape;
  /** The share of the concurrencies used (`realScale` on real engines, else 1). */
  readonly scale: number;
  readonly data: DataSpec;
  readonly tenants: TenantsInfo;
  readonly figures: LoadFigures;
}

/** One soak on one set of engines. */
export interface SoakPart extends RunInfo {
  readonly engines: EnginesInfo;
  readonly server: ServerInfo;
  readonly shape: SoakShape;
  readonly data: DataSpec;
  readonly tenants: TenantsInfo;
  readonly figures: SoakFigures;
}

/** `load.json`: the latest part of each kind; a run replaces only the parts it ran. */
export interface LoadReportFile {
  /** {@link reportFormat} when written; parts of another format are not kept. */
  readonly format?: number;
  readonly loadEmbedded?: LoadPart;
  readonly loadReal?: LoadPart;
  readonly soakEmbedded?: SoakPart;
  readonly soakReal?: SoakPart;
}

/** The shape of the parts this code writes; raised whenever it changes. */
export const reportFormat = 2;

/**
 * Merges `parts` into the report in `directory` (`load.*`, or `load-quick.*` for a
 * `--quick` run, so it never replaces the full figures), keeping the parts this run did
 * not produce when they have this code's format, and writes the JSON and the Markdown `render` makes of it. Returns their
 * paths.
 */
export async function writeLoadReport(
  directory: string,
  quick: boolean,
  parts: LoadReportFile,
  render: (report: LoadReportFile) => string,
): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const base = quick ? "load-quick" : "load";
  const json = join(directory, `${base}.json`);
  const markdown = join(directory, `${base}.md`);
  const previous = await readPrevious(json);
  const report: LoadReportFile = {
    ...(previous.format === reportFormat ? previous : {}),
    ...parts,
    format: reportFormat,
  };
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(markdown, render(report));
  return [markdown, json];
}

async function readPrevious(path: string): Promise<LoadReportFile> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as LoadReportFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new Error(`${path} cannot be read to merge into: ${String(error)}`);
  }
}
