import type { Registry } from "prom-client";
import type { ErasureRecorder } from "../compliance/recorder.js";
import { FastCounter } from "./instruments.js";

/**
 * Erasure job metrics, without tenant or subject labels: jobs finished and the seconds
 * they took, and failed steps by step (each retried). The running jobs are gauges read
 * from the job store when scraped (`ragplane_erasure_jobs_running`,
 * `ragplane_erasure_oldest_running_seconds`).
 */
export class ErasureMetrics implements ErasureRecorder {
  readonly #finished: FastCounter;
  readonly #seconds: FastCounter;
  readonly #failures: FastCounter;

  constructor(registry: Registry) {
    this.#finished = new FastCounter(
      registry,
      "ragplane_erasures_finished_total",
      "Erasure jobs this replica ran to the end.",
    );
    this.#seconds = new FastCounter(
      registry,
      "ragplane_erasure_seconds_total",
      "Seconds from start to finish of the erasure jobs this replica finished.",
    );
    this.#failures = new FastCounter(
      registry,
      "ragplane_erasure_step_failures_total",
      "Erasure steps (vectors, graphs, events, caches) that failed and are retried.",
    );
  }

  stepFailed(step: string): void {
    this.#failures.child({ step }).inc();
  }

  finished(seconds: number): void {
    this.#finished.child({}).inc();
    this.#seconds.child({}).inc(seconds);
  }
}
