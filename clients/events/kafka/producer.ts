import { type Kafka, Partitioners, type Producer, type RecordMetadata } from "kafkajs";
import { NotFoundError } from "../../errors.js";
import type { EnginePolicy } from "../../resilience/engine-policy.js";
import type { TopicTarget } from "./admin.js";
import { toKafkaError } from "./errors.js";

/** One record to produce, already placed in its partition. */
export interface OutgoingRecord {
  readonly key: string;
  readonly partition: number;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

/** Producer settings. */
export interface EventProducerOptions {
  /** How long the broker may wait for all in-sync replicas before failing a produce, in ms. */
  readonly ackTimeoutMs: number;
  /** Kafka's policy: each produce runs behind its breaker and bulkhead, never retried by it. */
  readonly policy: EnginePolicy;
}

/**
 * kafkajs's idempotent producer (acks from all in-sync replicas, one request in flight
 * per broker, so its retries never duplicate or reorder records) behind one call that
 * sends a batch as a single produce request (one record batch per partition) and
 * answers each record's offset.
 *
 * After a failed send the producer is replaced by a new one (a new producer id). kafkajs
 * rolls its sequence numbers back when a send fails for good, so the next batch would
 * reuse the numbers of one whose outcome is unknown, and the broker could take it for a
 * duplicate of that one. Auto-creation of topics is off: producing to a missing topic
 * fails. kafkajs keeps every topic a producer ever wrote to in its metadata requests and,
 * once one of them is deleted, fails them all; so a send that fails with an unknown topic
 * is tried once more on the new producer before it is reported as `NotFoundError`.
 */
export class EventProducer {
  readonly #kafka: Kafka;
  readonly #options: EventProducerOptions;
  #producer: Promise<Producer>;

  private constructor(kafka: Kafka, producer: Promise<Producer>, options: EventProducerOptions) {
    this.#kafka = kafka;
    this.#producer = producer;
    this.#options = options;
  }

  /** Connects a producer (which obtains its producer id from the cluster). */
  static async connect(kafka: Kafka, options: EventProducerOptions): Promise<EventProducer> {
    const producer = connectProducer(kafka);
    await producer;
    return new EventProducer(kafka, producer, options);
  }

  /**
   * Produces `records` to the topic in one request and returns their offsets, in order:
   * a partition's records get consecutive offsets from the base offset the broker
   * answers for it.
   */
  async send(target: TopicTarget, records: readonly OutgoingRecord[]): Promise<bigint[]> {
    for (let attempt = 1; ; attempt++) {
      const current = this.#producer;
      try {
        const producer = await current;
        const metadata = await this.#options.policy.run(
          () =>
            producer.send({
              topic: target.physical,
              acks: -1,
              timeout: this.#options.ackTimeoutMs,
              messages: records.map((record) => ({ ...record })),
            }),
          { idempotent: false },
        );
        return offsetsOf(records, metadata);
      } catch (error) {
        this.#replace(current);
        const mapped = toKafkaError(error, target.name);
        if (!(mapped instanceof NotFoundError) || attempt === 2) throw mapped;
      }
    }
  }

  /** Disconnects the producer. */
  async close(): Promise<void> {
    await (await this.#producer.catch(() => undefined))?.disconnect();
  }

  /** Starts a new producer in place of `stale` (unless that happened already) and drops `stale`. */
  #replace(stale: Promise<Producer>): void {
    if (this.#producer !== stale) return;
    const fresh = connectProducer(this.#kafka);
    fresh.catch(() => {});
    this.#producer = fresh;
    stale.then((producer) => producer.disconnect()).catch(() => {});
  }
}

function connectProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  return producer.connect().then(() => producer);
}

function offsetsOf(records: readonly OutgoingRecord[], metadata: RecordMetadata[]): bigint[] {
  const base = new Map<number, bigint>();
  for (const entry of metadata) {
    if (entry.baseOffset === undefined || entry.errorCode !== 0) continue;
    base.set(entry.partition, BigInt(entry.baseOffset));
  }
  const written = new Map<number, bigint>();
  return records.map((record) => {
    const first = base.get(record.partition);
    if (first === undefined || first < 0n) {
      throw new Error(`the produce response has no offset for partition ${record.partition}`);
    }
    const index = written.get(record.partition) ?? 0n;
    written.set(record.partition, index + 1n);
    return first + index;
  });
}
