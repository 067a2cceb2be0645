import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PathResult } from "../engines/rounds.js";
import type { MachineInfo } from "../machine.js";
import type { ErasureRun } from "./erasure.js";
import type { ComplianceBenchOptions } from "./options.js";

/** Encryption on against off for one RPC. */
export interface EncryptionRatio {
  readonly rpc: "Publish" | "Search";
  /** Calls per second with encryption on over calls per second with it off. */
  readonly throughput: number;
  /** Server CPU per call with it off over with it on (1: encryption costs nothing). */
  readonly cpu: number;
  readonly target: number;
  readonly pass: boolean;
}

/** The erasure timed on one set of engines. */
export interface ErasureTarget {
  readonly kind: "embedded" | "real";
  readonly engines: string;
  readonly run: ErasureRun;
}

/** Everything one run found, as written to `compliance.json`. */
export interface ComplianceReport {
  readonly date: string;
  readonly durationMs: number;
  readonly machine: MachineInfo;
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly options: ComplianceBenchOptions;
  readonly ratios: readonly EncryptionRatio[];
  readonly paths: readonly PathResult[];
  readonly erasures: readonly ErasureTarget[];
  readonly skipped: readonly string[];
}

/** Writes `compliance.md` and `compliance.json` into `directory`; returns their paths. */
export async function writeComplianceReport(
  directory: string,
  report: ComplianceReport,
  markdown: string,
): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const md = join(directory, "compliance.md");
  const json = join(directory, "compliance.json");
  await writeFile(md, markdown);
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  return [md, json];
}

/** The encryption ratios of the measured paths (`<rpc>/encrypted` against `<rpc>/plain`). */
export function encryptionRatios(paths: readonly PathResult[]): EncryptionRatio[] {
  const target = 0.8;
  return (["Publish", "Search"] as const).map((rpc) => {
    const on = paths.find((p) => p.name === `${rpc}/encrypted`);
    const off = paths.find((p) => p.name === `${rpc}/plain`);
    if (on === undefined || off === undefined) throw new Error(`${rpc}: a path was not measured`);
    const throughput = on.throughput / off.throughput;
    return {
      rpc,
      throughput,
      cpu: (off.serverCpuMicrosPerCall ?? Number.NaN) / (on.serverCpuMicrosPerCall ?? Number.NaN),
      target,
      pass: throughput >= target,
    };
  });
}
