import type { Registry } from "prom-client";
import type { PoisonKind } from "../ingestion/dead-letters.js";
import type { IngestionRecorder } from "../ingestion/recorder.js";
import { type CounterChild, FastCounter } from "./instruments.js";

/**
 * Ingestion counters, without tenant or topic labels (both unbounded; GetIngestion and
 * ListIngestions have each topic's progress): events projected, skipped, dead-lettered
 * by kind, and batches that failed and are retried. The lag gauge is registered with
 * the projector (`ragplane_ingestion_lag_events`).
 */
export class IngestionMetrics implements IngestionRecorder {
  readonly #projected: CounterChild;
  readonly #skipped: CounterChild;
  readonly #deadLettered: FastCounter;
  readonly #failed: CounterChild;

  constructor(registry: Registry) {
    this.#projected = new FastCounter(
      registry,
      "ragplane_ingestion_projected_events_total",
      "Chunks the projector wrote to vectors and the graph.",
    ).child({});
    this.#skipped = new FastCounter(
      registry,
      "ragplane_ingestion_skipped_events_total",
      "Events of other content types the projector left alone.",
    ).child({});
    this.#deadLettered = new FastCounter(
      registry,
      "ragplane_ingestion_dead_lettered_events_total",
      "Events sent to a dead-letter topic, by kind: undecodable, invalid, refused.",
    );
    this.#failed = new FastCounter(
      registry,
      "ragplane_ingestion_failed_batches_total",
      "Batches whose writes failed for a reason that is retried (an engine down, a quota).",
    ).child({});
  }

  projected(count: number): void {
    if (count > 0) this.#projected.inc(count);
  }

  skipped(count: number): void {
    if (count > 0) this.#skipped.inc(count);
  }

  deadLettered(kind: PoisonKind, count: number): void {
    if (count > 0) this.#deadLettered.child({ kind }).inc(count);
  }

  batchFailed(): void {
    this.#failed.inc();
  }
}
