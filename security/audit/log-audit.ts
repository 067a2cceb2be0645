import type { Logger } from "pino";
import {
  AlreadyExistsError,
  NotFoundError,
  PreconditionError,
  throwIfAborted,
} from "../../clients/errors.js";
import type { EventLog, NewEvent } from "../../clients/events/port.js";
import { systemTenant } from "../tenant.js";
import { encodeAuditEvent } from "./codec.js";
import { AuditChain } from "./hash-chain.js";
import type { AuditEvent, AuditLog, AuditPage, AuditQuery } from "./port.js";
import { scanAudit } from "./scan.js";
import { type AuditVerificationStep, verifyAuditTrail } from "./verify-trail.js";
import { AuditWriter, type SealedBatch } from "./writer.js";

/** The reserved tenant of control-plane topics; real tenants never start with `_`. */
export const auditTenant = systemTenant;
/** The topic, under {@link auditTenant}, that holds the audit trail. */
export const auditTopic = "audit";

/** What {@link LogAuditLog.open} needs. */
export interface LogAuditLogOptions {
  /** The event log shared by every replica (embedded SQLite or Kafka). */
  readonly events: EventLog;
  /** Where dropped events and a missing topic are reported. */
  readonly logger: Logger;
  /** The tenant that owns the topic. Default {@link auditTenant}. */
  readonly tenant?: string;
  /** Events per append, and the buffer size that triggers one at once. Default 100. */
  readonly batchSize?: number;
  /** Longest time a recorded event waits before it is appended, in ms. Default 100. */
  readonly flushMs?: number;
  /** Attempts per batch before its events are dropped. Default 5. */
  readonly attempts?: number;
  /** Pause before the second attempt, doubling for each next one, in ms. Default 200. */
  readonly retryDelayMs?: number;
  /** Events held in memory at most; more are dropped. Default 10 000. */
  readonly maxBuffered?: number;
  /** Records one query reads at most before it returns a `next`. Default 50 000. */
  readonly maxScan?: number;
  /** Aborts `open` while it creates the topic. */
  readonly signal?: AbortSignal;
  /** The id of this writer's hash chain. Default: a random UUID, new for every open. */
  readonly chainId?: string;
}

/** Checks the whole trail's hash chains (see `verify.ts`). */
export interface AuditTrailVerifierPort {
  /** Progress while reading, then the result; rejects with the event log's domain errors. */
  verify(signal: AbortSignal): AsyncIterable<AuditVerificationStep>;
}

/**
 * The audit trail on the event log: one single-partition topic `audit` of the reserved
 * tenant, kept forever (retention 0; operators may prune it with Kafka's retention), so
 * an append-only SQLite table when embedded and a Kafka topic in production.
 *
 * `record` queues the event and returns; a background writer appends batches (see
 * `AuditWriter`), retrying a few times before dropping and logging. Each batch is linked
 * into this process's hash chain just before its first append (a dropped batch is taken
 * back out of it), so the chain has no gap for events that were never stored. `query`
 * reads the topic up to its end at the time of the query (see `scanAudit`); `verify`
 * checks every chain of the trail.
 */
export class LogAuditLog implements AuditLog, AuditTrailVerifierPort {
  readonly #events: EventLog;
  readonly #tenant: string;
  readonly #maxScan: number;
  readonly #writer: AuditWriter<AuditEvent>;
  readonly #chain: AuditChain;
  #topicReady = false;

  private constructor(options: LogAuditLogOptions) {
    this.#events = options.events;
    this.#tenant = options.tenant ?? auditTenant;
    this.#maxScan = options.maxScan ?? 50_000;
    if (!Number.isInteger(this.#maxScan) || this.#maxScan < 1) {
      throw new RangeError(`maxScan must be a positive integer, got ${this.#maxScan}`);
    }
    this.#chain = new AuditChain(options.chainId);
    this.#writer = new AuditWriter<AuditEvent>({
      seal: (events) => this.#seal(events),
      append: (batch) => this.#append(batch),
      logger: options.logger,
      batchSize: options.batchSize,
      flushMs: options.flushMs,
      attempts: options.attempts,
      retryDelayMs: options.retryDelayMs,
      maxBuffered: options.maxBuffered,
    });
  }

  /**
   * Opens the trail and creates its topic if missing. An event log that cannot be
   * reached yet does not fail the open: the topic is then created before the first
   * append. Throws `RangeError` for invalid options and `PreconditionError` if the topic
   * exists with more than one partition.
   */
  static async open(options: LogAuditLogOptions): Promise<LogAuditLog> {
    const audit = new LogAuditLog(options);
    try {
      await audit.#ensureTopic(options.signal);
    } catch (error) {
      if (error instanceof PreconditionError) throw error;
      throwIfAborted(options.signal);
      options.logger.warn(
        { err: error },
        "audit trail: event log not ready; its topic will be created before the first append",
      );
    }
    return audit;
  }

  /** Events lost so far (appends that kept failing, a full buffer, records after close). */
  get dropped(): number {
    return this.#writer.dropped;
  }

  record(event: AuditEvent): void {
    this.#writer.push(event);
  }

  query(query: AuditQuery, signal?: AbortSignal): Promise<AuditPage> {
    const target = {
      events: this.#events,
      tenant: this.#tenant,
      topic: auditTopic,
      maxScan: this.#maxScan,
    };
    return scanAudit(target, query, signal);
  }

  verify(signal: AbortSignal): AsyncIterable<AuditVerificationStep> {
    return verifyAuditTrail(
      { events: this.#events, tenant: this.#tenant, topic: auditTopic },
      signal,
    );
  }

  /** The id of this process's hash chain. */
  get chainId(): string {
    return this.#chain.id;
  }

  /** Resolves once every event recorded before the call is appended (or dropped). */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  close(): Promise<void> {
    return this.#writer.close();
  }

  #seal(events: readonly AuditEvent[]): SealedBatch {
    const links = this.#chain.extend(events);
    return {
      events: events.map((event, i) => encodeAuditEvent(event, links[i])),
      dropped: () => this.#chain.retract(links),
    };
  }

  async #append(batch: readonly NewEvent[]): Promise<void> {
    if (!this.#topicReady) await this.#ensureTopic();
    try {
      await this.#events.append(this.#tenant, auditTopic, batch);
    } catch (error) {
      if (error instanceof NotFoundError) this.#topicReady = false;
      throw error;
    }
  }

  async #ensureTopic(signal?: AbortSignal): Promise<void> {
    const spec = { name: auditTopic, partitions: 1, retentionMs: 0 };
    try {
      await this.#events.createTopic(this.#tenant, spec, signal);
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
      const topic = await this.#events.getTopic(this.#tenant, auditTopic, signal);
      if (topic.partitions !== 1) {
        throw new PreconditionError(
          `the audit topic has ${topic.partitions} partitions; the trail needs exactly 1`,
        );
      }
    }
    this.#topicReady = true;
  }
}
