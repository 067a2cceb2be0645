import { LatencyRecorder, type LatencySummary } from "../latency.js";
import { notOk, type TypeTally } from "./tally.js";

/** What a set of calls measured, as reported. */
export interface CallFigures {
  /** A call type, or a pool (`all gRPC`, …). */
  readonly name: string;
  /** Calls that ended, whatever their status. */
  readonly calls: number;
  /** Calls per second over the load's wall time. */
  readonly throughput: number;
  /** Calls per status name. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Calls that did not end OK. */
  readonly notOk: number;
  /** A few messages of the calls that did not end OK, with counts. */
  readonly errors: Readonly<Record<string, number>>;
  /** Percentiles of the OK calls' latencies, in µs. */
  readonly latency: LatencySummary;
}

/**
 * Pools `tallies` (one or more call types, one or more clients) into one row named
 * `name`; the throughput is over the longest of their wall times.
 */
export function figures(name: string, tallies: readonly TypeTally[]): CallFigures {
  const statuses: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let okCalls = 0;
  let elapsedMs = 0;
  for (const tally of tallies) {
    for (const [status, count] of Object.entries(tally.statuses)) {
      statuses[status] = (statuses[status] ?? 0) + count;
    }
    for (const [message, count] of Object.entries(tally.errors)) {
      errors[message] = (errors[message] ?? 0) + count;
    }
    okCalls += tally.okLatenciesMs.length;
    elapsedMs = Math.max(elapsedMs, tally.elapsedMs);
  }
  const recorder = new LatencyRecorder(okCalls);
  for (const tally of tallies) for (const latency of tally.okLatenciesMs) recorder.record(latency);
  const calls = tallies.reduce((total, tally) => total + tally.calls, 0);
  return {
    name,
    calls,
    throughput: elapsedMs > 0 ? (1000 * calls) / elapsedMs : 0,
    statuses,
    notOk: notOk(statuses),
    errors,
    latency: recorder.summary(),
  };
}
