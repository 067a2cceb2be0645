import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { MachineInfo } from "../machine.js";
import type { RatioCheck } from "./checks.js";
import type { GraphLoad } from "./graph-load.js";
import type { EnginesBenchOptions } from "./options.js";
import type { PathProfile } from "./profile.js";
import type { WrittenCheck } from "./publish.js";
import type { PathResult } from "./rounds.js";

/** The Publish part's figures. */
export interface PublishPart {
  readonly paths: readonly PathResult[];
  readonly written: readonly WrittenCheck[];
}

/** The Neighbors part's figures. */
export interface NeighborsPart {
  readonly paths: readonly PathResult[];
  readonly loads: Readonly<Record<string, GraphLoad>>;
  readonly compared: number;
  readonly mismatches: readonly string[];
  /** Mean nodes and relationships per compared answer. */
  readonly answerSize: { readonly nodes: number; readonly relationships: number };
}

/** Everything one run found, as written to `engines.json`. */
export interface EnginesReport {
  /** ISO 8601 start time. */
  readonly date: string;
  readonly machine: MachineInfo;
  /** One-minute load average when the run started and when it ended. */
  readonly loadAverage: { readonly start: number; readonly end: number };
  /** Which real engines were configured (never their URLs: those may hold credentials). */
  readonly engines: { readonly kafka: boolean; readonly redis: boolean; readonly neo4j: boolean };
  readonly options: Omit<EnginesBenchOptions, "engines">;
  readonly publish: PublishPart;
  readonly neighbors: NeighborsPart;
  /** Parts or paths left out, and why. */
  readonly skipped: readonly string[];
  readonly checks: readonly RatioCheck[];
  /** Profiles of the ragplane paths that missed their target. */
  readonly profiles: readonly PathProfile[];
  /** Wall time of the whole run, in ms. */
  readonly durationMs: number;
}

/** Writes `engines.md` and `engines.json` into `directory`; returns their paths. */
export async function writeEnginesReport(
  directory: string,
  report: EnginesReport,
  markdown: string,
): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const md = join(directory, "engines.md");
  const json = join(directory, "engines.json");
  await writeFile(md, markdown);
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  return [md, json];
}
