import type { EngineHealth } from "../health.js";

/**
 * The events port: an append-only, partitioned log per topic, idempotent by event id.
 * Services depend on this interface only; the embedded (SQLite) and Kafka adapters
 * implement it and pass the same contract suite (`tests/contract/events.contract.ts`).
 *
 * Every operation is scoped by tenant: a tenant never sees another tenant's topics or
 * events, even under the same topic name. Failures are the domain errors of
 * `clients/errors.ts`: `NotFoundError("topic", name)` for an unknown topic,
 * `AlreadyExistsError("topic", name)` for a taken name, `EngineUnavailableError` when
 * the engine cannot serve, `CancelledError` / `EngineTimeoutError` when the signal aborts.
 */
export interface EventLog {
  /** Creates a topic. Throws `AlreadyExistsError` if the tenant already has the name. */
  createTopic(tenant: string, spec: TopicSpec, signal?: AbortSignal): Promise<Topic>;

  /** Returns one topic. Throws `NotFoundError` if the tenant has no topic of that name. */
  getTopic(tenant: string, name: string, signal?: AbortSignal): Promise<Topic>;

  /**
   * Changes how long a topic keeps its events (0: forever) and returns the topic. Throws
   * `NotFoundError` if the tenant has no topic of that name.
   */
  setTopicRetention(
    tenant: string,
    name: string,
    retentionMs: number,
    signal?: AbortSignal,
  ): Promise<Topic>;

  /** Lists the tenant's topics in name order (byte order), one page at a time. */
  listTopics(tenant: string, page: TopicPageRequest, signal?: AbortSignal): Promise<TopicPage>;

  /**
   * Appends a batch to a topic in one transaction: every event is stored, or none is.
   * An event goes to partition `partitionForKey(key || id, partitions)` (Kafka's murmur2
   * partitioner, `./partitioner.ts`) at the partition's next offset, counted from 0.
   * Returns one ack per event, in request order. An event whose id is already in the
   * topic is not written again; its ack has `duplicate: true` and the original record's
   * partition and offset. Callers pass ids that are unique within the batch (the
   * service's validator guarantees it); adapters ack a repeat as a duplicate of the first.
   * A batch holding an empty id is rejected whole with a `RangeError`.
   */
  append(
    tenant: string,
    topic: string,
    events: readonly NewEvent[],
    signal?: AbortSignal,
  ): Promise<AppendAck[]>;

  /**
   * Replays a topic from `options.start`, then follows new appends, for as long as the
   * caller iterates. Events of one partition arrive in offset order; the interleaving of
   * partitions is unspecified. The topic is looked up when iteration starts (`NotFoundError`
   * then; `PreconditionError` for a partition the topic does not have).
   *
   * The iteration never ends on its own. When `signal` aborts it throws the domain error
   * of `throwIfAborted`: `EngineTimeoutError` for a deadline (reason `EngineTimeoutError`
   * or a `TimeoutError`), `CancelledError` for anything else. It throws
   * `EngineUnavailableError` if the log is closed underneath it. Breaking out of the loop
   * releases everything it holds.
   */
  read(
    tenant: string,
    topic: string,
    options: ReadOptions,
    signal: AbortSignal,
  ): AsyncIterable<StoredEvent>;

  /**
   * The next offset of every partition of a topic, by partition number (Kafka's high
   * watermarks): a reader that has passed these offsets has seen everything appended
   * before this call. Throws `NotFoundError` for an unknown topic.
   */
  endOffsets(tenant: string, topic: string, signal?: AbortSignal): Promise<bigint[]>;

  /**
   * The first retained offset of every partition of a topic, by partition number (Kafka's
   * low watermarks): the partition's end when retention has removed all its events, 0
   * before anything was removed. Throws `NotFoundError` for an unknown topic.
   */
  startOffsets(tenant: string, topic: string, signal?: AbortSignal): Promise<bigint[]>;

  /**
   * Consumes a topic as a member of the consumer group `group`, whose read positions are
   * committed in the log and shared by every process that names the same group: each
   * partition is handled by one member at a time, starting at the group's committed
   * offset (the beginning when none). Batches hold events of one partition in offset
   * order. A partition's position is committed (as the offset after the batch's last
   * event) only once `handler` has resolved for the batch; a handler that throws gets
   * the same batch again after a backoff (`options`), so nothing past it is committed.
   *
   * Resolves once `signal` aborts and the handler in progress has settled. Throws
   * `NotFoundError` for an unknown topic (when consumption starts) and
   * `EngineUnavailableError` when the log closes or the group cannot be served.
   */
  consume(
    tenant: string,
    topic: string,
    group: string,
    handler: BatchHandler,
    options: ConsumeOptions,
    signal: AbortSignal,
  ): Promise<void>;

  /**
   * The group's committed position in every partition of the topic, by partition number:
   * the next offset it will consume, 0 where it has committed nothing. Throws
   * `NotFoundError` for an unknown topic.
   */
  committedOffsets(
    tenant: string,
    topic: string,
    group: string,
    signal?: AbortSignal,
  ): Promise<bigint[]>;

  /**
   * Forgets the group's committed positions in the topic, so that the next consumer of
   * the group starts at the beginning. Nothing to forget is no error.
   */
  deleteGroup(tenant: string, topic: string, group: string, signal?: AbortSignal): Promise<void>;

  /** Reports whether the engine can serve requests now. Never throws. */
  health(): Promise<EngineHealth>;

  /** Releases the engine; active reads fail with `EngineUnavailableError`. Idempotent. */
  close(): Promise<void>;
}

/** What a new topic is made of. */
export interface TopicSpec {
  /** The topic's name, unique per tenant (the service validates its syntax). */
  readonly name: string;
  /** Number of partitions, at least 1. */
  readonly partitions: number;
  /** How long events are kept after their append, in milliseconds; 0 keeps them forever. */
  readonly retentionMs: number;
}

/** A stored topic. */
export type Topic = TopicSpec;

/** Which page of topics to list. */
export interface TopicPageRequest {
  /** At most this many topics, at least 1. */
  readonly limit: number;
  /** Only names after this one (the previous page's `nextAfter`). */
  readonly after?: string;
}

/** One page of topics. */
export interface TopicPage {
  /** Topics in name order. */
  readonly topics: Topic[];
  /** The last name of this page when more topics follow; absent on the last page. */
  readonly nextAfter?: string;
}

/** An event as a producer hands it to `append`. */
export interface NewEvent {
  /** Unique id within the topic: the idempotency key. Non-empty. */
  readonly id: string;
  /** Partitioning key; empty or absent means the id. */
  readonly key?: string;
  /** The body, opaque to the log. */
  readonly payload: Uint8Array;
  /** MIME type of the payload; defaults to "". */
  readonly contentType?: string;
  /** Free-form metadata; defaults to none. */
  readonly headers?: Readonly<Record<string, string>>;
  /** What the event is about; defaults to "". */
  readonly subject?: string;
  /** When the event happened (millisecond precision); defaults to the append time. */
  readonly time?: Date;
}

/** An event as read back from the log, with its position. */
export interface StoredEvent {
  /** The event's id. */
  readonly id: string;
  /** The key it was partitioned by: the producer's key, or the id when none was given. */
  readonly key: string;
  /** The body as published. */
  readonly payload: Uint8Array;
  /** MIME type of the payload ("" when none was given). */
  readonly contentType: string;
  /** Metadata as published (empty when none was given). */
  readonly headers: Readonly<Record<string, string>>;
  /** What the event is about ("" when none was given). */
  readonly subject: string;
  /** When the event happened: the producer's time, or the append time. */
  readonly time: Date;
  /** The partition that holds the event. */
  readonly partition: number;
  /** The event's offset within its partition, from 0. */
  readonly offset: bigint;
  /**
   * True on a tombstone: the event was sealed under a data key that has been destroyed
   * (its subject was erased, see `server/encryption/sealed-events.ts`), so its payload,
   * content type, headers and subject are gone (empty); id, key, time and position stay.
   * Absent (false) on every other event. Adapters never set it.
   */
  readonly erased?: boolean;
}

/** Where one appended event was stored. */
export interface AppendAck {
  /** The event's id. */
  readonly id: string;
  /** The partition that holds the event (the original record's for a duplicate). */
  readonly partition: number;
  /** The offset within the partition (the original record's for a duplicate). */
  readonly offset: bigint;
  /** True when the id was already in the topic and nothing was written. */
  readonly duplicate: boolean;
}

/**
 * Where a read starts, in every selected partition:
 * - `beginning`: the oldest retained event;
 * - `offset`: the first event at or after this offset (events removed by retention are skipped);
 * - `time`: the first event appended at or after this time (append time, not event time);
 * - `latest`: only events appended after the read started.
 */
export type ReadStart =
  | { readonly kind: "beginning" }
  | { readonly kind: "offset"; readonly offset: bigint }
  | { readonly kind: "time"; readonly time: Date }
  | { readonly kind: "latest" };

/** How to read a topic. */
export interface ReadOptions {
  /** Where to start. */
  readonly start: ReadStart;
  /** Read only this partition; all partitions when absent. */
  readonly partition?: number;
}

/** Events of one partition handed to a consumer group's handler, in offset order. */
export interface ConsumedBatch {
  /** The partition the events come from. */
  readonly partition: number;
  /** At least one event. */
  readonly events: readonly StoredEvent[];
}

/**
 * Handles one batch of a consumer group. Resolving commits the batch; throwing has it
 * delivered again. `signal` aborts when consumption stops.
 */
export type BatchHandler = (batch: ConsumedBatch, signal: AbortSignal) => Promise<void>;

/** How a consumer group member behaves. */
export interface ConsumeOptions {
  /** Most events in one batch. Default 256. */
  readonly maxBatchEvents?: number;
  /** First pause before a failed batch is delivered again, in ms. Default 100. */
  readonly retryMinMs?: number;
  /** Longest pause before a failed batch is delivered again, in ms. Default 5000. */
  readonly retryMaxMs?: number;
  /** Receives each failure of the handler, before the batch is delivered again. */
  readonly onHandlerError?: (error: unknown, batch: ConsumedBatch) => void;
}
