/** What erasure jobs report to metrics (`server/telemetry/erasure-metrics.ts`). */
export interface ErasureRecorder {
  /** A step of a job failed and will be tried again. */
  stepFailed(step: string): void;
  /** A job this replica ran finished, `seconds` after it started. */
  finished(seconds: number): void;
}
