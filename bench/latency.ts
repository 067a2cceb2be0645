/** Latency percentiles of a run, in microseconds. */
export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/**
 * Records every latency of a bounded run (up to `capacity`) and reports exact
 * percentiles; beyond capacity the samples are dropped, so memory stays bounded.
 */
export class LatencyRecorder {
  readonly #samples: Float64Array;
  #count = 0;

  constructor(capacity: number) {
    this.#samples = new Float64Array(capacity);
  }

  /** Adds one latency, in milliseconds. */
  record(milliseconds: number): void {
    if (this.#count < this.#samples.length) this.#samples[this.#count++] = milliseconds;
  }

  /** Percentiles (nearest rank) of what was recorded. */
  summary(): LatencySummary {
    const sorted = this.#samples.slice(0, this.#count).sort();
    if (sorted.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
    const at = (quantile: number): number =>
      1000 * sorted[Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)]!;
    let total = 0;
    for (const sample of sorted) total += sample;
    return {
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      max: 1000 * sorted[sorted.length - 1]!,
      mean: (1000 * total) / sorted.length,
    };
  }
}
