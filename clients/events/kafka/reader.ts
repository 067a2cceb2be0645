import { randomUUID } from "node:crypto";
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, RetryOptions } from "kafkajs";
import { throwIfAborted } from "../../errors.js";
import { abortable, settlesWithin } from "../../signals.js";
import type { ReadOptions, StoredEvent } from "../port.js";
import type { TopicTarget } from "./admin.js";
import { fixedAssigner } from "./assigner.js";
import { toKafkaError } from "./errors.js";
import { Handoff } from "./handoff.js";
import { decodeHeaders } from "./headers.js";
import type { OffsetLookup, StartPositions } from "./offsets.js";

/** Consumer settings of readers. */
export interface ReaderSettings {
  /** Group session timeout, in ms (the broker allows 6000 and up by default). */
  readonly sessionTimeoutMs: number;
  /** Heartbeat interval, in ms; also how often a reader that is not being drained heartbeats. */
  readonly heartbeatIntervalMs: number;
  /** Longest time the broker holds an idle fetch, in ms. New records end the wait at once. */
  readonly maxWaitMs: number;
  /** kafkajs retries of the consumer's requests. */
  readonly retry: RetryOptions;
}

/** A read in progress, as the log that started it sees it. */
export interface ActiveRead {
  /** Fails the read with `error` and disconnects its consumer. */
  end(error: unknown): Promise<void>;
}

/** What a reader needs from the log that owns it. */
export interface ReaderDeps {
  readonly kafka: Kafka;
  readonly offsets: OffsetLookup;
  /** Prefix of the readers' ephemeral consumer group ids. */
  readonly groupPrefix: string;
  readonly settings: ReaderSettings;
  /** The log's open reads, so that closing the log ends them. */
  readonly reads: Set<ActiveRead>;
}

/**
 * Replays `target` from `options.start`, then follows it until `signal` aborts (then it
 * throws the domain error of `throwIfAborted`), the consumer fails (its mapped error) or
 * the log closes (`EngineUnavailableError`).
 *
 * Each read is a kafkajs consumer in a group of its own (a fresh random group id; no
 * offsets are committed) that assigns itself the selected partitions and, on joining,
 * seeks each to where the read starts, computed before the consumer starts: so `latest`
 * means "after the read began" however long the join takes. A rejoin (after a rebalance)
 * seeks back to the reader's own positions, and records before them are dropped, so
 * nothing is delivered twice.
 */
export async function* follow(
  deps: ReaderDeps,
  target: TopicTarget,
  options: ReadOptions,
  signal: AbortSignal,
): AsyncGenerator<StoredEvent, never, undefined> {
  const handoff = new Handoff<StoredEvent>();
  let running: RunningConsumer | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= running ? running.stop() : Promise.resolve();
    return stopped;
  };
  const read: ActiveRead = {
    end(error) {
      handoff.fail(error);
      return stop();
    },
  };
  deps.reads.add(read);
  try {
    const partitions =
      options.partition === undefined
        ? Array.from({ length: target.partitions }, (_, p) => p)
        : [options.partition];
    const start = await abortable(
      deps.offsets.startPositions(target, partitions, options.start),
      signal,
    );
    if (!stopped) running = startConsumer(deps, target, partitions, start, handoff);
    for (;;) {
      const events = await handoff.take(signal);
      for (const event of events) {
        throwIfAborted(signal);
        yield event;
      }
    }
  } finally {
    handoff.close();
    deps.reads.delete(read);
    await stop();
  }
}

/** A consumer that feeds a handoff. */
interface RunningConsumer {
  /** Stops and disconnects it, once it has finished starting. */
  stop(): Promise<void>;
}

/**
 * Starts the read's consumer in its own group, seeking to `start` whenever it joins, and
 * hands what it fetches (from `start.deliverFrom` on) to `handoff`. Start-up and crash
 * failures end the handoff with the mapped error.
 */
function startConsumer(
  deps: ReaderDeps,
  target: TopicTarget,
  partitions: readonly number[],
  start: StartPositions,
  handoff: Handoff<StoredEvent>,
): RunningConsumer {
  const { seek: seekFrom, deliverFrom } = start;
  const { settings } = deps;
  const consumer = deps.kafka.consumer({
    groupId: `${deps.groupPrefix}${randomUUID()}`,
    partitionAssigners: [fixedAssigner(target.physical, partitions)],
    sessionTimeout: settings.sessionTimeoutMs,
    rebalanceTimeout: settings.sessionTimeoutMs,
    heartbeatInterval: settings.heartbeatIntervalMs,
    maxWaitTimeInMs: settings.maxWaitMs,
    allowAutoTopicCreation: false,
    retry: { ...settings.retry, restartOnFailure: async () => false },
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    for (const [partition, offset] of seekFrom) {
      consumer.seek({ topic: target.physical, partition, offset: offset.toString() });
    }
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    handoff.fail(toKafkaError(payload.error, target.name));
  });

  const eachBatch = async ({ batch, heartbeat }: EachBatchPayload): Promise<void> => {
    const { partition } = batch;
    const from = deliverFrom.get(partition) ?? 0n;
    const events: StoredEvent[] = [];
    for (const message of batch.messages) {
      const offset = BigInt(message.offset);
      if (offset >= from) events.push(toStoredEvent(message, partition, offset));
    }
    const fetchedTo = BigInt(batch.lastOffset()) + 1n;
    if (fetchedTo > (seekFrom.get(partition) ?? 0n)) seekFrom.set(partition, fetchedTo);
    const last = events.at(-1);
    if (!last) return;
    deliverFrom.set(partition, last.offset + 1n);
    const taken = handoff.push(events);
    while (!(await settlesWithin(taken, settings.heartbeatIntervalMs))) {
      await heartbeat().catch(() => {});
    }
  };

  let stopping = false;
  const started = (async () => {
    await consumer.connect();
    if (stopping) return;
    await consumer.subscribe({ topic: target.physical, fromBeginning: true });
    if (stopping) return;
    await consumer.run({ autoCommit: false, eachBatch });
  })();
  started.catch((error: unknown) => handoff.fail(toKafkaError(error, target.name)));
  return {
    stop() {
      stopping = true;
      return disconnect(consumer, started);
    },
  };
}

async function disconnect(consumer: Consumer, started: Promise<void>): Promise<void> {
  await started.catch(() => {});
  await consumer.disconnect().catch(() => {});
}

/** A fetched record as the port's event. */
export function toStoredEvent(
  message: KafkaMessage,
  partition: number,
  offset: bigint,
): StoredEvent {
  const decoded = decodeHeaders(message.headers);
  const key = message.key?.toString("utf8") ?? "";
  const value = message.value ?? Buffer.alloc(0);
  return {
    id: decoded.id ?? key,
    key,
    payload: new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
    contentType: decoded.contentType,
    headers: decoded.headers,
    subject: decoded.subject,
    time: new Date(decoded.timeMs ?? Number(message.timestamp)),
    partition,
    offset,
  };
}
