import type { Logger } from "pino";
import { EngineUnavailableError, throwIfAborted } from "../clients/errors.js";
import { FollowedTopic } from "../clients/events/followed-topic.js";
import type { EventLog, NewEvent, StoredEvent } from "../clients/events/port.js";
import { systemTenant } from "../security/tenant.js";

/** What a {@link ControlTopicStore} needs. */
export interface ControlTopicStoreOptions {
  /** The event log shared by every replica. */
  readonly events: EventLog;
  /** Where failures of the background follower, and unreadable records, are reported. */
  readonly logger: Logger;
  /** First pause before following again after a failure, in ms. Default 250. */
  readonly retryMinMs?: number;
  /** Longest pause between attempts to follow again, in ms. Default 10 000. */
  readonly retryMaxMs?: number;
}

/**
 * Control-plane state shared by the replicas (ARCHITECTURE.md, control-plane data): every
 * change is appended as a record to one single-partition topic of the system tenant, which
 * every replica reads from the beginning into memory and keeps following. A subclass keeps
 * the state, applies each record in {@link apply} and tells listeners with {@link notify};
 * its writes go through {@link append}, which resolves once the record is applied here.
 */
export abstract class ControlTopicStore<Listener extends (...args: never[]) => void> {
  /** Where a subclass reports records it cannot read. */
  protected readonly logger: Logger;
  readonly #what: string;
  readonly #log: FollowedTopic;
  readonly #listeners = new Set<Listener>();
  #closed = false;

  /** `topic` holds the records; `what` names the state in logs and errors. */
  protected constructor(options: ControlTopicStoreOptions, topic: string, what: string) {
    this.logger = options.logger;
    this.#what = what;
    this.#log = new FollowedTopic({
      events: options.events,
      tenant: systemTenant,
      topic,
      what,
      apply: (event) => this.apply(event),
      logger: options.logger,
      ...(options.retryMinMs === undefined ? {} : { retryMinMs: options.retryMinMs }),
      ...(options.retryMaxMs === undefined ? {} : { retryMaxMs: options.retryMaxMs }),
    });
  }

  /**
   * Starts following the topic (creating it when missing) and resolves once every record
   * stored before the call has been applied. Later calls return the same promise. A
   * failure is retried in the background; the promise then resolves once caught up.
   */
  start(): Promise<void> {
    return this.#log.start();
  }

  /**
   * Resolves once caught up (see {@link start}). While the topic cannot be read (the last
   * attempt failed), and once closed, it rejects at once with `EngineUnavailableError`;
   * when `signal` aborts first, with the signal's domain error.
   */
  async ready(signal?: AbortSignal): Promise<void> {
    if (this.#closed) throw new EngineUnavailableError(`${this.#what} (closed)`);
    throwIfAborted(signal);
    await this.#log.ready(signal);
  }

  /** Calls `listener` after every change applied from now on; returns what unsubscribes it. */
  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops following the topic; pending writes fail with `EngineUnavailableError`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#log.close();
  }

  /** Appends a record once caught up, and resolves once it is applied on this replica. */
  protected async append(record: NewEvent, signal?: AbortSignal): Promise<void> {
    await this.ready(signal);
    await this.#log.append(record, signal);
  }

  /** Tells every listener of a change. */
  protected notify(...change: Parameters<Listener>): void {
    for (const listener of this.#listeners) listener(...change);
  }

  /** Applies one record read from the topic, in order. */
  protected abstract apply(record: StoredEvent): void;
}
