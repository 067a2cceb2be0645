import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { NewEvent } from "../../clients/events/port.js";
import { positiveInteger } from "../../clients/options.js";

/** A batch made ready for appending, see {@link AuditWriterOptions.seal}. */
export interface SealedBatch {
  /** The log events to append; every retry appends these same events. */
  readonly events: readonly NewEvent[];
  /** Called when the batch is dropped after its last failed attempt. */
  readonly dropped: () => void;
}

/** How an {@link AuditWriter} batches and retries. */
export interface AuditWriterOptions<T> {
  /**
   * Turns queued items into the log events of one batch, once per batch and in push
   * order (so it may number them, as the hash chain does).
   */
  readonly seal: (items: readonly T[]) => SealedBatch;
  /** Appends one batch in one call; rejects if nothing (or not all) was stored. */
  readonly append: (events: readonly NewEvent[]) => Promise<void>;
  /** Where dropped events are reported. */
  readonly logger: Logger;
  /** Events per append, and the buffer size that triggers one at once. Default 100. */
  readonly batchSize?: number;
  /** Longest time an event waits in the buffer before an append, in ms. Default 100. */
  readonly flushMs?: number;
  /** Attempts per batch before its events are dropped. Default 5. */
  readonly attempts?: number;
  /** Pause before the second attempt, doubling for each next one, in ms. Default 200. */
  readonly retryDelayMs?: number;
  /** Events held at most (buffered or being appended); more are dropped. Default 10 000. */
  readonly maxBuffered?: number;
}

/**
 * Appends events in the background, in the order they were pushed: at most one append
 * at a time, of up to `batchSize` events, as soon as that many wait or `flushMs` after
 * the first one arrived (on an unref'd timer, so it never keeps the process alive). A
 * batch that fails is tried again with a growing pause, then dropped and logged. Pushes
 * beyond `maxBuffered` or after `close` are dropped too, logged at most once a second.
 * Nothing is ever thrown; `dropped` counts every lost event. Each batch is sealed once
 * before its first attempt; retries reuse its events (and ids), so the log stores each
 * event at most once.
 */
export class AuditWriter<T> {
  readonly #seal: (items: readonly T[]) => SealedBatch;
  readonly #append: (events: readonly NewEvent[]) => Promise<void>;
  readonly #logger: Logger;
  readonly #batchSize: number;
  readonly #flushMs: number;
  readonly #attempts: number;
  readonly #retryDelayMs: number;
  readonly #maxBuffered: number;
  #buffer: T[] = [];
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #draining: Promise<void> | undefined;
  #dropped = 0;
  #reportedAt = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(options: AuditWriterOptions<T>) {
    this.#seal = options.seal;
    this.#append = options.append;
    this.#logger = options.logger;
    this.#batchSize = positiveInteger(options.batchSize ?? 100, "batchSize");
    this.#flushMs = positiveInteger(options.flushMs ?? 100, "flushMs");
    this.#attempts = positiveInteger(options.attempts ?? 5, "attempts");
    this.#retryDelayMs = positiveInteger(options.retryDelayMs ?? 200, "retryDelayMs");
    this.#maxBuffered = positiveInteger(options.maxBuffered ?? 10_000, "maxBuffered");
  }

  /** Events dropped so far (failed appends, a full buffer, pushes after close). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Queues one event for appending. Never throws, never waits. */
  push(event: T): void {
    if (this.#closed) {
      this.#drop(1, "the audit trail is closed");
      return;
    }
    if (this.#buffer.length + this.#inFlight >= this.#maxBuffered) {
      this.#drop(1, "the audit buffer is full");
      return;
    }
    this.#buffer.push(event);
    if (this.#buffer.length >= this.#batchSize) this.#drain();
    else this.#timer ??= setTimeout(() => this.#drain(), this.#flushMs).unref();
  }

  /** Resolves once every event pushed before the call is appended or dropped. */
  async flush(): Promise<void> {
    while (this.#buffer.length > 0 || this.#draining) {
      this.#drain();
      await this.#draining;
    }
  }

  /** Flushes, then refuses further events. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #drain(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#draining || this.#buffer.length === 0) return;
    this.#draining = this.#run().finally(() => {
      this.#draining = undefined;
      if (this.#buffer.length > 0) this.#drain();
    });
  }

  async #run(): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.splice(0, this.#batchSize);
      this.#inFlight = batch.length;
      try {
        await this.#appendWithRetries(this.#sealed(batch));
      } finally {
        this.#inFlight = 0;
      }
    }
  }

  #sealed(batch: readonly T[]): SealedBatch | undefined {
    try {
      return this.#seal(batch);
    } catch (error) {
      this.#drop(batch.length, "sealing audit events failed", error);
      return undefined;
    }
  }

  async #appendWithRetries(batch: SealedBatch | undefined): Promise<void> {
    if (batch === undefined) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#append(batch.events);
        return;
      } catch (error) {
        if (attempt >= this.#attempts) {
          batch.dropped();
          this.#drop(batch.events.length, "appending audit events failed", error);
          return;
        }
        await sleep(this.#retryDelayMs * 2 ** (attempt - 1));
      }
    }
  }

  #drop(count: number, message: string, error?: unknown): void {
    this.#dropped += count;
    const now = Date.now();
    if (error === undefined && now - this.#reportedAt < 1000) return;
    this.#reportedAt = now;
    this.#logger.error(
      { err: error, droppedEvents: count, droppedTotal: this.#dropped },
      `${message}: audit events dropped`,
    );
  }
}
