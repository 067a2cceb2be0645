import { throwIfAborted } from "../errors.js";

interface Waiter {
  readonly partition: number;
  readonly offset: bigint;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * How far a follower has applied a log, per partition, and who waits for it to get
 * somewhere: a writer for its own event (read-your-writes), `open` for the end offsets.
 */
export class AppliedOffsets {
  readonly #next = new Map<number, bigint>();
  readonly #waiters = new Set<Waiter>();
  #failure: unknown;

  /** The offset after the last applied event of a partition; undefined before the first. */
  next(partition: number): bigint | undefined {
    return this.#next.get(partition);
  }

  /** Records that the event at `offset` has been applied and wakes whoever waited for it. */
  advance(partition: number, offset: bigint): void {
    const next = offset + 1n;
    if (next <= (this.#next.get(partition) ?? 0n)) return;
    this.#next.set(partition, next);
    for (const waiter of this.#waiters) {
      if (waiter.partition === partition && waiter.offset < next) waiter.resolve();
    }
  }

  /**
   * Resolves once the event at `offset` of `partition` has been applied. Rejects with
   * the signal's domain error when it aborts, or with the error of {@link fail}.
   */
  waitFor(partition: number, offset: bigint, signal?: AbortSignal): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (offset < (this.#next.get(partition) ?? 0n)) return Promise.resolve();
    try {
      throwIfAborted(signal);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        try {
          throwIfAborted(signal);
        } catch (error) {
          settle(() => reject(error));
        }
      };
      const settle = (done: () => void): void => {
        this.#waiters.delete(waiter);
        signal?.removeEventListener("abort", onAbort);
        done();
      };
      const waiter: Waiter = {
        partition,
        offset,
        resolve: () => settle(resolve),
        reject: (error) => settle(() => reject(error)),
      };
      this.#waiters.add(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Fails every current and future wait with `error` (the follower has stopped). */
  fail(error: unknown): void {
    this.#failure = error;
    for (const waiter of this.#waiters) waiter.reject(error);
  }
}
