import type { CallType } from "./mix.js";

/** What one call type's load saw: ghz's report, or a Node load process's count. */
export interface TypeTally {
  readonly type: CallType;
  /** Calls in flight (closed loop); 0 for calls sent on a schedule. */
  readonly concurrency: number;
  /** Calls that ended, whatever their status. */
  readonly calls: number;
  /** Wall time of the load, in ms. */
  readonly elapsedMs: number;
  /** Calls per status name (`OK`, `Unavailable`, `ResourceExhausted`, …). */
  readonly statuses: Readonly<Record<string, number>>;
  /** The messages of the calls that did not end OK, with their counts (at most a few). */
  readonly errors: Readonly<Record<string, number>>;
  /** Latency of every OK call, in ms. */
  readonly okLatenciesMs: Float64Array;
}

/** Distinct error messages kept per call type. */
const keptErrors = 10;

/** Counts one call type's calls as they end. */
export class Tally {
  readonly statuses: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  readonly #latencies: number[] = [];
  #calls = 0;

  constructor(readonly type: CallType) {}

  /** Calls that ended so far. */
  get calls(): number {
    return this.#calls;
  }

  /** One call ended with `status` after `latencyMs`; `message` says why when not OK. */
  record(status: string, latencyMs: number, message = ""): void {
    this.#calls++;
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    if (status === "OK") {
      this.#latencies.push(latencyMs);
      return;
    }
    const key = `${status}: ${message}`.slice(0, 300);
    if (key in this.errors || Object.keys(this.errors).length < keptErrors) {
      this.errors[key] = (this.errors[key] ?? 0) + 1;
    }
  }

  /** The tally so far, for a load that ran `elapsedMs` with `concurrency` calls in flight. */
  result(elapsedMs: number, concurrency: number): TypeTally {
    return {
      type: this.type,
      concurrency,
      calls: this.#calls,
      elapsedMs,
      statuses: { ...this.statuses },
      errors: { ...this.errors },
      okLatenciesMs: Float64Array.from(this.#latencies),
    };
  }
}

/** Calls that did not end OK. */
export function notOk(statuses: Readonly<Record<string, number>>): number {
  return Object.entries(statuses).reduce(
    (total, [status, count]) => (status === "OK" ? total : total + count),
    0,
  );
}
