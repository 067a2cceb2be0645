import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import {
  AlreadyExistsError,
  EngineUnavailableError,
  NotFoundError,
  PreconditionError,
  throwIfAborted,
} from "../errors.js";
import { abortable } from "../signals.js";
import { AppliedOffsets } from "./applied-offsets.js";
import type { EventLog, NewEvent, ReadStart, StoredEvent } from "./port.js";

/** What a {@link FollowedTopic} needs. */
export interface FollowedTopicOptions {
  /** The event log shared by every replica (embedded SQLite or Kafka). */
  readonly events: EventLog;
  /** The tenant and name of the topic (a control-plane topic of the system tenant). */
  readonly tenant: string;
  readonly topic: string;
  /** What the topic holds, for log lines and errors (`api keys`, `ingestion settings`). */
  readonly what: string;
  /** Applies one event to the follower's state, in log order. Must not throw. */
  readonly apply: (event: StoredEvent) => void;
  /** Where failures of the background follower are reported. */
  readonly logger: Logger;
  /** First pause before following again after a failure, in ms. Default 250. */
  readonly retryMinMs?: number;
  /** Longest pause between attempts to follow again, in ms. Default 10 000. */
  readonly retryMaxMs?: number;
}

/**
 * A single-partition topic that every replica reads from the beginning and keeps
 * following, applying each event to its own in-memory state (control-plane data, see
 * ARCHITECTURE.md): a change appended on one replica reaches all of them as fast as the
 * log delivers, and the replica that appended it sees it applied before `append`
 * resolves. After a failure the follower waits (doubling, up to `retryMaxMs`) and goes on
 * from the offset after the last applied event.
 */
export class FollowedTopic {
  readonly #options: FollowedTopicOptions;
  readonly #retryMinMs: number;
  readonly #retryMaxMs: number;
  readonly #applied = new AppliedOffsets();
  readonly #stop = new AbortController();
  #following: Promise<void> | undefined;
  #starting: Promise<void> | undefined;
  #caughtUp = false;
  #lastFailure: unknown;

  constructor(options: FollowedTopicOptions) {
    this.#options = options;
    this.#retryMinMs = options.retryMinMs ?? 250;
    this.#retryMaxMs = options.retryMaxMs ?? 10_000;
  }

  /** The pause after the `attempt`-th failure in a row (from 0), in ms. */
  retryDelay(attempt: number): number {
    return Math.min(this.#retryMinMs * 2 ** attempt, this.#retryMaxMs);
  }

  /** Aborted once the topic is closed. */
  get closedSignal(): AbortSignal {
    return this.#stop.signal;
  }

  /**
   * Makes sure the topic exists with the single partition that orders every change:
   * creates it when missing; `PreconditionError` when it has more partitions.
   */
  async ensureTopic(signal?: AbortSignal): Promise<void> {
    const { events, tenant, topic, what } = this.#options;
    let partitions: number;
    try {
      partitions = (await events.getTopic(tenant, topic, signal)).partitions;
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      try {
        const spec = { name: topic, partitions: 1, retentionMs: 0 };
        partitions = (await events.createTopic(tenant, spec, signal)).partitions;
      } catch (createError) {
        if (!(createError instanceof AlreadyExistsError)) throw createError;
        partitions = (await events.getTopic(tenant, topic, signal)).partitions;
      }
    }
    if (partitions !== 1) {
      throw new PreconditionError(
        `topic "${topic}" of tenant "${tenant}" has ${partitions} partitions; ${what} need exactly 1`,
      );
    }
  }

  /**
   * Makes sure the topic exists, follows it and resolves once caught up with it, retrying
   * failures in the background (logged, with the pauses of {@link retryDelay}) until
   * closed. Later calls return the same promise.
   */
  start(): Promise<void> {
    this.#starting ??= this.#catchUp();
    return this.#starting;
  }

  /**
   * Resolves once {@link start} has caught up. While the log cannot be read (the last
   * attempt failed) it rejects at once with `EngineUnavailableError`; when `signal`
   * aborts first, with the signal's domain error.
   */
  async ready(signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    const starting = this.start();
    if (this.#caughtUp) return;
    if (this.#lastFailure !== undefined) {
      throw new EngineUnavailableError(this.#options.what, { cause: this.#lastFailure });
    }
    await abortable(starting, signal);
  }

  /** Starts following the topic in the background (once; later calls do nothing). */
  follow(): void {
    this.#following ??= this.#follow();
  }

  /** Resolves once every event stored before the call has been applied. */
  async caughtUp(signal?: AbortSignal): Promise<void> {
    const { events, tenant, topic } = this.#options;
    const [end = 0n] = await events.endOffsets(tenant, topic, signal);
    if (end > 0n) await this.#applied.waitFor(0, end - 1n, signal);
  }

  /** Appends a change and resolves once the follower has applied it. */
  async append(event: NewEvent, signal?: AbortSignal): Promise<void> {
    const { events, tenant, topic } = this.#options;
    const [ack] = await events.append(tenant, topic, [event], signal);
    if (ack === undefined) throw new Error("the log acknowledged no event");
    await this.#applied.waitFor(ack.partition, ack.offset, signal);
  }

  /** Stops following; pending and later waits fail with `EngineUnavailableError`. */
  async close(): Promise<void> {
    this.#stop.abort();
    this.#applied.fail(new EngineUnavailableError(`${this.#options.what} (closed)`));
    await this.#following;
  }

  async #catchUp(): Promise<void> {
    const signal = this.#stop.signal;
    for (let failures = 0; ; failures++) {
      try {
        await this.ensureTopic(signal);
        this.follow();
        await this.caughtUp(signal);
        this.#caughtUp = true;
        this.#lastFailure = undefined;
        return;
      } catch (error) {
        if (signal.aborted) throw error;
        this.#lastFailure = error;
        const delay = this.retryDelay(failures);
        this.#options.logger.warn(
          { err: error, retryInMs: delay },
          `${this.#options.what}: not readable yet`,
        );
        await sleep(delay, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  async #follow(): Promise<void> {
    const { events, tenant, topic, what, apply, logger } = this.#options;
    const signal = this.#stop.signal;
    for (let failures = 0; !signal.aborted; ) {
      const next = this.#applied.next(0);
      const start: ReadStart =
        next === undefined ? { kind: "beginning" } : { kind: "offset", offset: next };
      try {
        for await (const event of events.read(tenant, topic, { start, partition: 0 }, signal)) {
          apply(event);
          this.#applied.advance(event.partition, event.offset);
          failures = 0;
        }
        throw new Error(`the read of the ${what} log ended`);
      } catch (error) {
        if (signal.aborted) return;
        const delay = this.retryDelay(failures++);
        logger.warn(
          { err: error, retryInMs: delay },
          `${what}: following the log failed; retrying`,
        );
        await sleep(delay, undefined, { signal }).catch(() => undefined);
      }
    }
  }
}
