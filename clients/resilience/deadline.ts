/**
 * The deadline behind a call's abort signal, where the server knows it. Ports take only a
 * signal; an engine policy that must not start a retry it cannot finish reads the time
 * left from here.
 */
const deadlines = new WeakMap<AbortSignal, number>();

/** Records that `signal` aborts at `deadline` (epoch ms). */
export function setSignalDeadline(signal: AbortSignal, deadline: number): void {
  deadlines.set(signal, deadline);
}

/** Milliseconds until `signal`'s deadline; infinite when none is known, 0 once aborted. */
export function remainingMs(signal: AbortSignal | undefined, now = Date.now()): number {
  if (signal === undefined) return Number.POSITIVE_INFINITY;
  if (signal.aborted) return 0;
  const deadline = deadlines.get(signal);
  return deadline === undefined ? Number.POSITIVE_INFINITY : Math.max(0, deadline - now);
}
