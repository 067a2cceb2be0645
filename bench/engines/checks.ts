import type { PathResult } from "./rounds.js";

/** A ratio of two paths' figures, with its target when it has one. */
export interface RatioCheck {
  readonly name: string;
  /** The ragplane path measured. */
  readonly path: string;
  /** The path it is divided by. */
  readonly baseline: string;
  readonly value: number;
  /** The value must be at least this to pass; none for figures kept for reference. */
  readonly min?: number;
  /** Whether `value >= min`; absent when there is no target. */
  readonly pass?: boolean;
}

/** The throughput target of ragplane on a real engine against that engine's own client. */
export const throughputTarget = 0.7;

/**
 * Throughput ratios of a part's ragplane paths against its direct baseline (the real
 * engine's path carries the target, the embedded one is for comparison), and the real
 * path's CPU efficiency: what the two sides of the benchmark spend per call, which bounds
 * the throughput ratio when the cores are the bottleneck. Paths that did not run are left
 * out.
 */
export function ratioChecks(
  part: string,
  results: readonly PathResult[],
  direct: string,
  real: string,
  embedded: string,
): RatioCheck[] {
  const find = (name: string) => results.find((result) => result.name === name);
  const baseline = find(direct);
  if (baseline === undefined) return [];
  const checks: RatioCheck[] = [];
  const realResult = find(real);
  if (realResult !== undefined) {
    const value = realResult.throughput / baseline.throughput;
    checks.push({
      name: `${part} throughput: ${real} / ${direct}`,
      path: real,
      baseline: direct,
      value,
      min: throughputTarget,
      pass: value >= throughputTarget,
    });
    const ragplaneCpu =
      (realResult.serverCpuMicrosPerCall ?? Number.NaN) + realResult.clientCpuMicrosPerCall;
    checks.push({
      name:
        `${part} CPU efficiency: ${direct} CPU per call / ${real} CPU per call ` +
        "(bench client + ragplane child; engines not counted; reference)",
      path: real,
      baseline: direct,
      value: baseline.clientCpuMicrosPerCall / ragplaneCpu,
    });
  }
  const embeddedResult = find(embedded);
  if (embeddedResult !== undefined) {
    checks.push({
      name: `${part} throughput: ${embedded} / ${direct} (reference)`,
      path: embedded,
      baseline: direct,
      value: embeddedResult.throughput / baseline.throughput,
    });
  }
  return checks;
}
