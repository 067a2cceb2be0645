import type { EachBatchPayload, Kafka } from "kafkajs";
import { settlesWithin } from "../../signals.js";
import { RedeliveryBackoff, type ResolvedConsumeOptions } from "../consume-options.js";
import type { BatchHandler, ConsumedBatch } from "../port.js";
import type { TopicTarget } from "./admin.js";
import { toKafkaError } from "./errors.js";
import { type ActiveRead, type ReaderSettings, toStoredEvent } from "./reader.js";

/** What a group member needs from the log that owns it. */
export interface GroupDeps {
  readonly kafka: Kafka;
  readonly settings: ReaderSettings;
  /** The log's open reads and members, so that closing the log ends them. */
  readonly reads: Set<ActiveRead>;
}

/**
 * The Kafka consumer group of a tenant's consumer group on one topic: named after the
 * topic's physical name (which holds the prefix and the tenant), so tenants' groups of the
 * same name never meet, and every replica of one deployment joins the same group.
 */
export function kafkaGroupId(physical: string, group: string): string {
  return `${physical}.group.${group}`;
}

/**
 * Runs one member of a Kafka consumer group on `target` until `signal` aborts. The
 * broker's group coordinator splits the partitions among the members (kafkajs's
 * round-robin assigner) and rebalances them as members come and go.
 *
 * Offsets are never committed automatically: each fetched batch is handed to `handler`
 * in slices of `maxBatchEvents`, and a slice's position is resolved and committed only
 * once the handler resolved. The member heartbeats while the handler runs. A failed
 * slice is not resolved, so after a backoff kafkajs fetches it again from the last
 * resolved position; a member that lost the partition in a rebalance (`isStale`) stops
 * handling the batch, and the new owner starts from the committed offset.
 */
export async function consumeGroup(
  deps: GroupDeps,
  target: TopicTarget,
  group: string,
  handler: BatchHandler,
  options: ResolvedConsumeOptions,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return;
  const { settings } = deps;
  const consumer = deps.kafka.consumer({
    groupId: kafkaGroupId(target.physical, group),
    sessionTimeout: settings.sessionTimeoutMs,
    rebalanceTimeout: settings.sessionTimeoutMs,
    heartbeatInterval: settings.heartbeatIntervalMs,
    maxWaitTimeInMs: settings.maxWaitMs,
    allowAutoTopicCreation: false,
    retry: settings.retry,
  });
  let fail: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => undefined);
  const member: ActiveRead = {
    async end(error) {
      fail(error);
    },
  };
  deps.reads.add(member);
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) fail(toKafkaError(payload.error, target.name));
  });
  const backoff = new RedeliveryBackoff(options);

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch, heartbeat, isRunning, isStale, resolveOffset } = payload;
    const { partition, messages } = batch;
    for (let start = 0; start < messages.length; start += options.maxBatchEvents) {
      const slice = messages.slice(start, start + options.maxBatchEvents);
      const consumed: ConsumedBatch = {
        partition,
        events: slice.map((message) => toStoredEvent(message, partition, BigInt(message.offset))),
      };
      for (;;) {
        if (signal.aborted || !isRunning() || isStale()) return;
        const work = handler(consumed, signal);
        while (!(await settlesWithin(work, settings.heartbeatIntervalMs))) {
          await heartbeat().catch(() => undefined);
        }
        const error = await work.then(
          () => undefined,
          (cause: unknown) => ({ cause }),
        );
        if (error === undefined) break;
        if (signal.aborted) return;
        options.onHandlerError?.(error.cause, consumed);
        await backoff.pause(signal, {
          everyMs: settings.heartbeatIntervalMs,
          call: () => heartbeat().catch(() => undefined),
        });
      }
      backoff.reset();
      const last = consumed.events.at(-1);
      if (last === undefined) continue;
      resolveOffset(last.offset.toString());
      await consumer.commitOffsets([
        { topic: target.physical, partition, offset: (last.offset + 1n).toString() },
      ]);
    }
  };

  const stopped = new Promise<void>((resolve) => {
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
  try {
    await Promise.race([
      (async () => {
        await consumer.connect();
        await consumer.subscribe({ topic: target.physical, fromBeginning: true });
        await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch });
      })(),
      failed,
    ]);
    await Promise.race([stopped, failed]);
  } catch (error) {
    if (!signal.aborted) throw toKafkaError(error, target.name);
  } finally {
    deps.reads.delete(member);
    await consumer.disconnect().catch(() => undefined);
  }
}
