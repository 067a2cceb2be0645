import type { PoisonKind } from "./dead-letters.js";

/** What the projector reports of its work (see `server/telemetry/ingestion-metrics.ts`). */
export interface IngestionRecorder {
  /** Chunks written. */
  projected(count: number): void;
  /** Events of other content types, skipped. */
  skipped(count: number): void;
  /** Events sent to a dead-letter topic, by why. */
  deadLettered(kind: PoisonKind, count: number): void;
  /** A batch failed for a reason that is retried (an engine down, a quota). */
  batchFailed(): void;
}
