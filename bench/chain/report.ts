import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PathResult } from "../engines/rounds.js";
import type { MachineInfo } from "../machine.js";
import type { ChainCheck, ChainCost, ConfigurationName } from "./checks.js";
import type { ChainBenchOptions } from "./options.js";

/** One server configuration of the run. */
export interface ConfigurationReport {
  readonly name: ConfigurationName;
  readonly description: string;
  /** The code of a GetCollection sent without credentials (`Unauthenticated` or `OK`). */
  readonly withoutCredentials: string;
}

/** The Redis behind `full-redis`, never its URL (it may hold a password). */
export type RedisReport =
  | {
      /** `environment`: REDIS_URL was set; `started`: a private redis-server for the run. */
      readonly source: "environment" | "started";
      readonly version: string;
      /**
       * Commands Redis processed while the paths ran (warm-ups included), per `full-redis`
       * call: at least 1 when the limits were counted there (others' traffic counts too
       * when REDIS_URL is shared).
       */
      readonly commandsPerCall: number;
    }
  | { readonly source: "missing"; readonly reason: string };

/** Everything one run found, as written to `chain.json`. */
export interface ChainReport {
  /** ISO 8601 start time. */
  readonly date: string;
  /** Wall time of the whole run, in ms. */
  readonly durationMs: number;
  readonly machine: MachineInfo;
  /** One-minute load average when the run started and when it ended. */
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly options: Omit<ChainBenchOptions, "redisUrl">;
  readonly redis: RedisReport;
  readonly configurations: readonly ConfigurationReport[];
  /** The headline: throughput ratios against the empty chain, with targets. */
  readonly checks: readonly ChainCheck[];
  readonly costs: readonly ChainCost[];
  /** Every RPC on every configuration, rounds pooled (and each round). */
  readonly paths: readonly PathResult[];
  /** Parts left out, and why. */
  readonly skipped: readonly string[];
}

/** Writes `chain.md` and `chain.json` into `directory`; returns their paths. */
export async function writeChainReport(
  directory: string,
  report: ChainReport,
  markdown: string,
): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const md = join(directory, "chain.md");
  const json = join(directory, "chain.json");
  await writeFile(md, markdown);
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  return [md, json];
}
