import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LatencySummary } from "../latency.js";
import type { MachineInfo } from "../machine.js";
import type { TenantLoad } from "./data.js";
import type { NeighboursOptions } from "./options.js";
import type { PhaseResult } from "./phases.js";

/** The headline: tenant B's cheap calls alone and beside tenant A. */
export interface Headline {
  /** All of B's cheap calls pooled, alone (before A's loops), in µs. */
  readonly alone: LatencySummary;
  /** The same beside A's three loops, in µs. */
  readonly beside: LatencySummary;
  /** beside / alone. */
  readonly ratios: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly p99TargetMicros: number;
  /** Reported, never asserted: B's p99 beside A within the target. */
  readonly p99WithinTarget: boolean;
  /** B's calls beside A that did not end OK (left out of the percentiles). */
  readonly quietNotOk: number;
}

/** Everything one run found, as written to `neighbours.json`. */
export interface NeighboursReport {
  /** ISO 8601 start time. */
  readonly date: string;
  /** Wall time of the whole run, in ms. */
  readonly durationMs: number;
  readonly machine: MachineInfo;
  /** One-minute load average when the run started and when it ended. */
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly options: NeighboursOptions;
  readonly tenants: { readonly noisy: string; readonly quiet: string };
  /** `EXPENSIVE_CALLS_PER_TENANT` as the server read it (0: unbounded). */
  readonly expensiveCallsPerTenant: number;
  /** The cores the server and the load processes were pinned to. */
  readonly cpus: { readonly server: number; readonly load: number };
  /** How long loading each tenant's data through the API took. */
  readonly loads: { readonly noisy: TenantLoad; readonly quiet: TenantLoad };
  /** ShortestPath pairs per path length (hops). */
  readonly pathHops: Readonly<Record<string, number>>;
  /** What was checked of the answers before measuring. */
  readonly checks: readonly string[];
  readonly headline: Headline;
  readonly phases: readonly PhaseResult[];
}

/** The headline figures from the phases `quiet-before` and `noisy`. */
export function headline(phases: readonly PhaseResult[], p99TargetMs: number): Headline {
  const phase = (name: string) => {
    const quiet = phases.find((p) => p.name === name)?.quiet;
    if (quiet === undefined) throw new Error(`phase ${name} measured no cheap calls`);
    return quiet.all;
  };
  const alone = phase("quiet-before");
  const beside = phase("noisy");
  const p99TargetMicros = 1000 * p99TargetMs;
  return {
    alone: alone.latency,
    beside: beside.latency,
    ratios: {
      p50: beside.latency.p50 / alone.latency.p50,
      p99: beside.latency.p99 / alone.latency.p99,
      max: beside.latency.max / alone.latency.max,
    },
    p99TargetMicros,
    p99WithinTarget: beside.latency.p99 <= p99TargetMicros,
    quietNotOk: beside.calls - (beside.statuses.OK ?? 0),
  };
}

/**
 * Writes `neighbours.md` and `neighbours.json` into `directory` (`neighbours-quick.*` for
 * a `--quick` run, so it never replaces the full figures); returns their paths.
 */
export async function writeNeighboursReport(
  directory: string,
  report: NeighboursReport,
  markdown: string,
): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const base = report.options.quick ? "neighbours-quick" : "neighbours";
  const md = join(directory, `${base}.md`);
  const json = join(directory, `${base}.json`);
  await writeFile(md, markdown);
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  return [md, json];
}
