import { Kafka, type logCreator, logLevel, type SASLOptions } from "kafkajs";
import { NotFoundError, PreconditionError, throwIfAborted } from "../../errors.js";
import type { EngineHealth } from "../../health.js";
import { abortable } from "../../signals.js";
import { tlsConnectOptions } from "../../tls.js";
import { resolveConsumeOptions } from "../consume-options.js";
import type { IdempotencyIndex } from "../idempotency/index.js";
import { MemoryIdempotencyIndex } from "../idempotency/memory.js";
import { RedisIdempotencyIndex } from "../idempotency/redis.js";
import type {
  AppendAck,
  BatchHandler,
  ConsumeOptions,
  EventLog,
  NewEvent,
  ReadOptions,
  StoredEvent,
  Topic,
  TopicPage,
  TopicPageRequest,
  TopicSpec,
} from "../port.js";
import { TopicAdmin } from "./admin.js";
import { type AppendDeps, appendOnce } from "./append.js";
import { closedError, toKafkaError } from "./errors.js";
import { consumeGroup, kafkaGroupId } from "./groups.js";
import { OffsetLookup } from "./offsets.js";
import {
  type KafkaEventLogOptions,
  type KafkaSaslOptions,
  type ResolvedKafkaEventLogOptions,
  resolveOptions,
} from "./options.js";
import { kafkaPolicy } from "./policy.js";
import { EventProducer } from "./producer.js";
import { type ActiveRead, follow, type ReaderDeps } from "./reader.js";
import { TopicNames } from "./topic-names.js";

export type { KafkaEventLogOptions } from "./options.js";

/**
 * The events port on Kafka (kafkajs). A tenant's topic is the Kafka topic
 * `<prefix>.<tenant>.<name>` (see `TopicNames`), created with its partitions, its
 * retention (`retention.ms`, -1 for "forever") and `LogAppendTime` timestamps, so reads
 * "from a time" use append time as the embedded engine does.
 *
 * - **append**: an idempotent producer sends each batch as one produce request, each
 *   event in the partition the shared murmur2 partitioner picks (`partitionForKey`) and
 *   keyed by its key or id; acks carry the offsets the broker assigned. Duplicate ids are
 *   caught by an idempotency index within `idempotencyWindowMs` (see `appendOnce`):
 *   in Redis when `redis` is given, otherwise in this process's memory only.
 * - **read**: a consumer per read in a group of its own (see `follow`).
 * - **consume**: a member of a real consumer group, offsets committed after each handled
 *   batch (see `consumeGroup`).
 *
 * A batch is one produce request, not a Kafka transaction. A committed transaction
 * writes a commit marker into every partition it touched, and each marker takes an
 * offset, so offsets would no longer be consecutive as the port promises. Measured with
 * kafkajs on one local broker (100 events of 200 bytes over 3 partitions), a transaction
 * took 2-4x as long: p50 6-8.5 ms and p90 13-18 ms against 2.7-3 ms and 5.6-6.5 ms. And a
 * transactional producer runs one transaction at a time. Within a partition a request
 * is stored whole (one record batch). Brokers append each partition on its own, though:
 * if one partition keeps failing past kafkajs's retries (its leader gone, its disk full)
 * the records of the others stay written while the append fails, and a retry of the batch
 * writes those again. Topics get `max.message.bytes` of twice the API's largest request,
 * so a batch's size alone never splits it.
 */
export class KafkaEventLog implements EventLog {
  readonly #options: ResolvedKafkaEventLogOptions;
  readonly #names: TopicNames;
  readonly #admin: TopicAdmin;
  readonly #offsets: OffsetLookup;
  readonly #producer: EventProducer;
  readonly #append: AppendDeps;
  readonly #reader: ReaderDeps;
  readonly #reads = new Set<ActiveRead>();
  #closed = false;

  private constructor(
    options: ResolvedKafkaEventLogOptions,
    kafka: Kafka,
    names: TopicNames,
    admin: TopicAdmin,
    offsets: OffsetLookup,
    producer: EventProducer,
    index: IdempotencyIndex,
  ) {
    this.#options = options;
    this.#names = names;
    this.#admin = admin;
    this.#offsets = offsets;
    this.#producer = producer;
    this.#append = {
      index,
      producer,
      windowMs: options.idempotencyWindowMs,
      claimTtlMs: options.claimTtlMs,
      claimWaitMs: options.claimWaitMs,
      onBackgroundError: options.onBackgroundError,
    };
    this.#reader = {
      kafka,
      offsets,
      groupPrefix: `${options.clientId}.read.`,
      settings: {
        sessionTimeoutMs: options.sessionTimeoutMs,
        heartbeatIntervalMs: options.heartbeatIntervalMs,
        maxWaitMs: options.fetchMaxWaitMs,
        retry: retryOptions(options),
      },
      reads: this.#reads,
    };
  }

  /**
   * Connects two admin clients (topics, offset lookups) and an idempotent producer. Throws `RangeError` for invalid
   * options and `EngineUnavailableError` if the cluster cannot be reached or refuses the
   * link (a certificate that does not verify, SASL credentials it rejects: the cause says which).
   */
  static async connect(options: KafkaEventLogOptions): Promise<KafkaEventLog> {
    const resolved = resolveOptions(options);
    const names = new TopicNames(resolved.topicPrefix);
    const kafka = new Kafka({
      clientId: resolved.clientId,
      brokers: [...resolved.brokers],
      ...(resolved.tls === undefined ? {} : { ssl: tlsConnectOptions(resolved.tls) }),
      ...(resolved.sasl === undefined ? {} : { sasl: saslOptions(resolved.sasl) }),
      connectionTimeout: resolved.connectionTimeoutMs,
      requestTimeout: resolved.requestTimeoutMs,
      retry: retryOptions(resolved),
      logLevel: resolved.log ? logLevel.WARN : logLevel.NOTHING,
      logCreator: logTo(resolved.log),
    });
    const policy = resolved.policy ?? kafkaPolicy({ requestTimeoutMs: resolved.requestTimeoutMs });
    const admin = new TopicAdmin(kafka.admin({ retry: { retries: 0 } }), names, resolved, policy);
    const offsets = new OffsetLookup(kafka, policy);
    try {
      await Promise.all([admin.connect(), offsets.connect()]);
      const producer = await EventProducer.connect(kafka, {
        ackTimeoutMs: Math.max(1000, Math.floor(resolved.requestTimeoutMs * 0.8)),
        policy,
      });
      const index =
        resolved.idempotencyIndex ??
        (resolved.redis ? new RedisIdempotencyIndex(resolved.redis) : new MemoryIdempotencyIndex());
      return new KafkaEventLog(resolved, kafka, names, admin, offsets, producer, index);
    } catch (error) {
      await Promise.allSettled([admin.close(), offsets.close()]);
      throw toKafkaError(error);
    }
  }

  async createTopic(tenant: string, spec: TopicSpec, signal?: AbortSignal): Promise<Topic> {
    this.#ensureOpen(signal);
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      throw new RangeError(`partitions must be a positive integer, got ${spec.partitions}`);
    }
    checkRetention(spec.retentionMs);
    const physical = this.#names.physical(tenant, spec.name);
    if (physical === undefined) {
      throw new PreconditionError(
        `topic name "${spec.name}" is too long for Kafka once prefixed with the tenant`,
        "name",
      );
    }
    return abortable(this.#admin.create(physical, spec), signal);
  }

  async getTopic(tenant: string, name: string, signal?: AbortSignal): Promise<Topic> {
    this.#ensureOpen(signal);
    return abortable(this.#admin.describe(name, this.#physical(tenant, name)), signal);
  }

  async setTopicRetention(
    tenant: string,
    name: string,
    retentionMs: number,
    signal?: AbortSignal,
  ): Promise<Topic> {
    this.#ensureOpen(signal);
    checkRetention(retentionMs);
    return abortable(
      this.#admin.setRetention(name, this.#physical(tenant, name), retentionMs),
      signal,
    );
  }

  async listTopics(
    tenant: string,
    page: TopicPageRequest,
    signal?: AbortSignal,
  ): Promise<TopicPage> {
    this.#ensureOpen(signal);
    return abortable(this.#admin.list(tenant, page), signal);
  }

  async append(
    tenant: string,
    topic: string,
    events: readonly NewEvent[],
    signal?: AbortSignal,
  ): Promise<AppendAck[]> {
    this.#ensureOpen(signal);
    const physical = this.#physical(tenant, topic);
    const work = (async () => {
      const target = await this.#admin.target(topic, physical);
      try {
        return await appendOnce(this.#append, target, events, signal);
      } catch (error) {
        if (error instanceof NotFoundError) this.#admin.forget(physical);
        throw error;
      }
    })();
    return abortable(work, signal);
  }

  async *read(
    tenant: string,
    topic: string,
    options: ReadOptions,
    signal: AbortSignal,
  ): AsyncGenerator<StoredEvent, never, undefined> {
    this.#ensureOpen(signal);
    const physical = this.#physical(tenant, topic);
    const target = await abortable(this.#admin.target(topic, physical), signal);
    const { partition } = options;
    if (
      partition !== undefined &&
      !(Number.isInteger(partition) && partition >= 0 && partition < target.partitions)
    ) {
      throw new PreconditionError(
        `topic "${topic}" has partitions 0 to ${target.partitions - 1}, not ${partition}`,
        "partition",
      );
    }
    this.#ensureOpen(signal);
    return yield* follow(this.#reader, target, options, signal);
  }

  async endOffsets(tenant: string, topic: string, signal?: AbortSignal): Promise<bigint[]> {
    this.#ensureOpen(signal);
    const physical = this.#physical(tenant, topic);
    const work = (async () => {
      const target = await this.#admin.target(topic, physical);
      try {
        return await this.#offsets.endOffsets(target);
      } catch (error) {
        if (error instanceof NotFoundError) this.#admin.forget(physical);
        throw error;
      }
    })();
    return abortable(work, signal);
  }

  async startOffsets(tenant: string, topic: string, signal?: AbortSignal): Promise<bigint[]> {
    this.#ensureOpen(signal);
    const physical = this.#physical(tenant, topic);
    const work = (async () => {
      const target = await this.#admin.target(topic, physical);
      return this.#offsets.startOffsets(target);
    })();
    return abortable(work, signal);
  }

  async consume(
    tenant: string,
    topic: string,
    group: string,
    handler: BatchHandler,
    options: ConsumeOptions,
    signal: AbortSignal,
  ): Promise<void> {
    const resolved = resolveConsumeOptions(options);
    if (signal.aborted) return;
    this.#ensureOpen(undefined);
    const target = await this.#admin.target(topic, this.#physical(tenant, topic));
    this.#ensureOpen(undefined);
    await consumeGroup(this.#reader, target, group, handler, resolved, signal);
  }

  async committedOffsets(
    tenant: string,
    topic: string,
    group: string,
    signal?: AbortSignal,
  ): Promise<bigint[]> {
    this.#ensureOpen(signal);
    const physical = this.#physical(tenant, topic);
    const work = (async () => {
      const target = await this.#admin.target(topic, physical);
      return this.#offsets.committedOffsets(target, kafkaGroupId(physical, group));
    })();
    return abortable(work, signal);
  }

  async deleteGroup(
    tenant: string,
    topic: string,
    group: string,
    signal?: AbortSignal,
  ): Promise<void> {
    this.#ensureOpen(signal);
    const physical = this.#physical(tenant, topic);
    const work = (async () => {
      const target = await this.#admin.target(topic, physical);
      await this.#offsets.deleteGroup(target, kafkaGroupId(physical, group));
    })();
    return abortable(work, signal);
  }

  async health(): Promise<EngineHealth> {
    if (this.#closed) return { ok: false, detail: "closed" };
    try {
      const brokers = await abortable(
        this.#admin.ping(),
        AbortSignal.timeout(this.#options.healthTimeoutMs),
      );
      if (brokers === 0) return { ok: false, detail: "the cluster has no brokers" };
    } catch (error) {
      const mapped = toKafkaError(error);
      return { ok: false, detail: mapped instanceof Error ? mapped.message : "kafka failed" };
    }
    const redis = await this.#options.redis?.health();
    if (redis && !redis.ok) return { ok: false, detail: `idempotency index: ${redis.detail}` };
    return { ok: true };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#reads].map((read) => read.end(closedError())));
    await Promise.allSettled([this.#producer.close(), this.#admin.close(), this.#offsets.close()]);
  }

  #physical(tenant: string, name: string): string {
    const physical = this.#names.physical(tenant, name);
    if (physical === undefined) throw new NotFoundError("topic", name);
    return physical;
  }

  #ensureOpen(signal: AbortSignal | undefined): void {
    if (this.#closed) throw closedError();
    throwIfAborted(signal);
  }
}

function retryOptions(options: ResolvedKafkaEventLogOptions) {
  return { retries: options.retries, initialRetryTime: 100, maxRetryTime: 2000 };
}

function logTo(log: KafkaEventLogOptions["log"]): logCreator {
  return () =>
    ({ level, namespace, log: entry }) => {
      if (!log || (level !== logLevel.ERROR && level !== logLevel.WARN)) return;
      const { message, timestamp: _timestamp, ...extra } = entry;
      log(level === logLevel.ERROR ? "error" : "warn", message, { namespace, ...extra });
    };
}

/**
 * A fresh SASL block for kafkajs, which stores its authenticator, bound to the password,
 * on the object it is given: a block shared with a caller would carry that authenticator
 * (and so the old password) into any copy the caller makes.
 */
function saslOptions({ mechanism, username, password }: KafkaSaslOptions): SASLOptions {
  return { mechanism, username, password } as SASLOptions;
}

function checkRetention(retentionMs: number): void {
  if (!Number.isInteger(retentionMs) || retentionMs < 0) {
    throw new RangeError(`retentionMs must be a non-negative integer, got ${retentionMs}`);
  }
}
