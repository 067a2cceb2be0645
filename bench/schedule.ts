import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";

/** How well a fixed-rate schedule kept time. */
export interface ScheduleResult {
  /** From the first due time to the end of the last call, in ms. */
  readonly elapsedMs: number;
  /** The latest a call started after its due time, in ms. */
  readonly maxStartLagMs: number;
  /** Calls that started more than `lateAfterMs` after their due time. */
  readonly lateStarts: number;
}

/**
 * Starts `rate` calls per second for `durationMs` on a fixed schedule (open loop: a slow
 * call never delays the next one), call `i` due `i / rate` seconds after the start, and
 * waits for them all. `startCall` gets the call's number and due time
 * (`performance.now()` scale), so latency can be measured from when the call was due.
 */
export async function runOnSchedule(
  rate: number,
  durationMs: number,
  lateAfterMs: number,
  startCall: (i: number, due: number) => Promise<unknown>,
): Promise<ScheduleResult> {
  const interval = 1000 / rate;
  const total = Math.floor(durationMs / interval);
  const calls: Promise<unknown>[] = [];
  let maxStartLagMs = 0;
  let lateStarts = 0;
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const lag = performance.now() - due;
    maxStartLagMs = Math.max(maxStartLagMs, lag);
    if (lag > lateAfterMs) lateStarts++;
    calls.push(startCall(i, due));
  }
  await Promise.all(calls);
  return { elapsedMs: performance.now() - started, maxStartLagMs, lateStarts };
}
