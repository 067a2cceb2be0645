import { throwIfAborted } from "../../errors.js";

interface Pending<T> {
  readonly items: T[];
  readonly taken: () => void;
}

/**
 * Hands batches from a push-based source (a kafkajs `eachBatch` handler) to one pull-based
 * reader (an async generator), with back-pressure: `push` resolves only when the reader
 * has taken the batch, so the source fetches no further ahead than one batch.
 *
 * It ends in one of two ways: `fail(error)` (the reader's next `take` throws `error`) or
 * `close()` (the reader is gone). Either way every pending and later `push` resolves at
 * once, so the source never hangs on a reader that left.
 */
export class Handoff<T> {
  readonly #queue: Pending<T>[] = [];
  #wake: (() => void) | undefined;
  #ended = false;
  #failure: { readonly error: unknown } | undefined;

  /** Queues a batch; resolves when the reader took it or the handoff ended. */
  push(items: T[]): Promise<void> {
    if (this.#ended) return Promise.resolve();
    return new Promise<void>((taken) => {
      this.#queue.push({ items, taken });
      this.#notify();
    });
  }

  /** Ends the handoff with an error for the reader. The first failure wins. */
  fail(error: unknown): void {
    if (!this.#failure && !this.#ended) this.#failure = { error };
    this.#end();
  }

  /** Ends the handoff because the reader is gone. */
  close(): void {
    this.#end();
  }

  /**
   * The next batch. Throws the domain error of `throwIfAborted` once `signal` aborts, the
   * failure passed to `fail`, or an error if the handoff was closed.
   */
  async take(signal: AbortSignal): Promise<T[]> {
    for (;;) {
      throwIfAborted(signal);
      if (this.#failure) throw this.#failure.error;
      if (this.#ended) throw new Error("the handoff is closed");
      const next = this.#queue.shift();
      if (next) {
        next.taken();
        return next.items;
      }
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal.removeEventListener("abort", wake);
          this.#wake = undefined;
          resolve();
        };
        this.#wake = wake;
        signal.addEventListener("abort", wake, { once: true });
      });
    }
  }

  #end(): void {
    this.#ended = true;
    for (const pending of this.#queue.splice(0)) pending.taken();
    this.#notify();
  }

  #notify(): void {
    this.#wake?.();
  }
}
