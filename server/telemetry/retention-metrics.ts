import type { Registry } from "prom-client";
import type { RetentionRecorder } from "../retention/recorder.js";
import type { RetentionTargetKind } from "../retention/sources.js";
import { FastCounter, FastGauge } from "./instruments.js";

/**
 * Retention sweeper metrics, without tenant, collection or label labels (all unbounded):
 * items removed by kind, the last sweep's end time and duration, and failures by the
 * kind of target.
 */
export class RetentionMetrics implements RetentionRecorder {
  readonly #removed: FastCounter;
  readonly #failures: FastCounter;
  readonly #lastSweep: FastGauge;
  readonly #lastDuration: FastGauge;

  constructor(registry: Registry) {
    this.#removed = new FastCounter(
      registry,
      "ragplane_retention_removed_total",
      "Items the retention sweeper deleted, by kind: points, nodes, relationships.",
    );
    this.#failures = new FastCounter(
      registry,
      "ragplane_retention_failures_total",
      "Retention sweeps of a kind of target (collection, label) that failed and are retried.",
    );
    this.#lastSweep = new FastGauge(
      registry,
      "ragplane_retention_last_sweep_timestamp_seconds",
      "When this replica's last retention sweep ended (Unix time).",
    );
    this.#lastDuration = new FastGauge(
      registry,
      "ragplane_retention_last_sweep_duration_seconds",
      "How long this replica's last retention sweep took.",
    );
  }

  removed(kind: "points" | "nodes" | "relationships", count: number): void {
    if (count > 0) this.#removed.child({ kind }).inc(count);
  }

  swept(endedAtMs: number, seconds: number): void {
    this.#lastSweep.child({}).set(endedAtMs / 1000);
    this.#lastDuration.child({}).set(seconds);
  }

  failed(kind: RetentionTargetKind): void {
    this.#failures.child({ kind }).inc();
  }
}
