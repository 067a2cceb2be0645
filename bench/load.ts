import { performance } from "node:perf_hooks";
import { LatencyRecorder, type LatencySummary } from "./latency.js";

/** How a closed-loop run is bounded. */
export interface LoadOptions {
  /** Calls kept in flight: each worker starts its next call when the previous one ends. */
  readonly concurrency: number;
  /** Stop starting calls after this long. */
  readonly durationMs: number;
  /** Stop starting calls after this many. */
  readonly maxRequests: number;
}

/** What a closed-loop run measured. */
export interface LoadResult {
  readonly concurrency: number;
  readonly requests: number;
  readonly elapsedMs: number;
  /** Completed calls per second. */
  readonly throughput: number;
  readonly latency: LatencySummary;
}

/** A call that failed during a load run; the run stops at the first one. */
export class LoadCallError extends Error {
  override readonly name = "LoadCallError";
  constructor(
    readonly request: number,
    cause: unknown,
  ) {
    super(`call ${request} failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

/**
 * Drives `call(i)` for i = 0, 1, … with a fixed number of calls in flight until the
 * duration or the request count is reached, recording each call's latency. A benchmark
 * expects no failures, so the first one rejects the run.
 */
export async function runClosedLoop(
  options: LoadOptions,
  call: (request: number) => Promise<unknown>,
): Promise<LoadResult> {
  const recorder = new LatencyRecorder(options.maxRequests);
  const started = performance.now();
  const deadline = started + options.durationMs;
  let next = 0;
  let failure: LoadCallError | undefined;
  let finished = started;

  const worker = async (): Promise<void> => {
    while (failure === undefined && next < options.maxRequests) {
      const begin = performance.now();
      if (begin >= deadline) return;
      const request = next++;
      try {
        await call(request);
      } catch (error) {
        failure ??= new LoadCallError(request, error);
        return;
      }
      finished = performance.now();
      recorder.record(finished - begin);
    }
  };

  await Promise.all(Array.from({ length: options.concurrency }, worker));
  if (failure !== undefined) throw failure;
  const elapsedMs = finished - started;
  const requests = Math.min(next, options.maxRequests);
  return {
    concurrency: options.concurrency,
    requests,
    elapsedMs,
    throughput: elapsedMs > 0 ? (1000 * requests) / elapsedMs : 0,
    latency: recorder.summary(),
  };
}
