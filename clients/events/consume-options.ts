import { setTimeout as sleep } from "node:timers/promises";
import type { ConsumeOptions } from "./port.js";

/** Consume options with every default applied. */
export type ResolvedConsumeOptions = Required<Omit<ConsumeOptions, "onHandlerError">> &
  Pick<ConsumeOptions, "onHandlerError">;

/** Applies the defaults of `ConsumeOptions`; `RangeError` for values that cannot work. */
export function resolveConsumeOptions(options: ConsumeOptions): ResolvedConsumeOptions {
  const resolved = {
    ...options,
    maxBatchEvents: options.maxBatchEvents ?? 256,
    retryMinMs: options.retryMinMs ?? 100,
    retryMaxMs: options.retryMaxMs ?? 5000,
  };
  for (const key of ["maxBatchEvents", "retryMinMs", "retryMaxMs"] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 1) {
      throw new RangeError(`${key} must be a positive integer, got ${resolved[key]}`);
    }
  }
  return resolved;
}

/**
 * The backoff between deliveries of a batch whose handler keeps failing: doubles from
 * `retryMinMs` to `retryMaxMs`, back to the start after a success.
 */
export class RedeliveryBackoff {
  readonly #options: ResolvedConsumeOptions;
  #next: number;

  constructor(options: ResolvedConsumeOptions) {
    this.#options = options;
    this.#next = options.retryMinMs;
  }

  /** The handler succeeded: the next failure waits the shortest pause again. */
  reset(): void {
    this.#next = this.#options.retryMinMs;
  }

  /**
   * Waits the current pause (less when `signal` aborts) and doubles the next one. With
   * `beat`, the wait is cut into steps of `beat.everyMs` with a call to `beat.call` after
   * each (a group member's heartbeat, so a long pause never costs it its partitions).
   */
  async pause(
    signal: AbortSignal,
    beat?: { readonly everyMs: number; call(): Promise<void> },
  ): Promise<void> {
    const delay = this.#next;
    this.#next = Math.min(delay * 2, this.#options.retryMaxMs);
    const step = beat?.everyMs ?? delay;
    for (let waited = 0; waited < delay && !signal.aborted; waited += step) {
      await sleep(Math.min(step, delay - waited), undefined, { signal }).catch(() => undefined);
      await beat?.call();
    }
  }
}
