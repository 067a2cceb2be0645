import { create, toBinary } from "@bufbuild/protobuf";
import type { Message } from "kafkajs";
import { eventHeaders } from "../../clients/events/kafka/headers.js";
import { EventsService, PublishRequestSchema } from "../../gen/ragplane/v1/events_pb.js";
import { randomBytes, seededRandom } from "../prng.js";

/** gRPC path of `EventsService.Publish`. */
export const publishPath = `/${EventsService.typeName}/${EventsService.method.publish.name}`;

/** The events of one batch: distinct ids and payloads. */
export interface EventBatch {
  readonly ids: readonly string[];
  readonly payloads: readonly Uint8Array[];
}

/** The shape of the generated batches. */
export interface EventBatchSpec {
  readonly batches: number;
  readonly batchSize: number;
  readonly payloadBytes: number;
  readonly seed: number;
}

const payloadPool = 1024;

/**
 * Deterministic batches: ids `b<batch>-e<index>` (distinct over all batches, so the
 * idempotency index never takes one for a repeat) and payloads drawn from a pool of
 * seeded random byte strings.
 */
export function eventBatches(spec: EventBatchSpec): EventBatch[] {
  const random = seededRandom(spec.seed);
  const pool = Array.from({ length: payloadPool }, () => randomBytes(random, spec.payloadBytes));
  const width = String(spec.batches - 1).length;
  return Array.from({ length: spec.batches }, (_, batch) => {
    const prefix = `b${String(batch).padStart(width, "0")}-e`;
    const ids = Array.from({ length: spec.batchSize }, (_, i) => `${prefix}${i}`);
    const payloads = ids.map((_, i) => pool[(batch * spec.batchSize + i) % payloadPool]!);
    return { ids, payloads };
  });
}

/** Encoded `PublishRequest`s to `topic`, one per batch. */
export function encodePublishRequests(topic: string, batches: readonly EventBatch[]): Buffer[] {
  return batches.map((batch) =>
    Buffer.from(
      toBinary(
        PublishRequestSchema,
        create(PublishRequestSchema, {
          topic,
          events: batch.ids.map((id, i) => ({ id, payload: batch.payloads[i]! })),
        }),
      ),
    ),
  );
}

/**
 * The records ragplane's Kafka adapter writes for a batch, as kafkajs messages: keyed by
 * the id (so kafkajs's default partitioner places them where ragplane's murmur2 does) with
 * the `ragplane-id` header, so both paths put the same bytes on the wire.
 */
export function kafkaMessages(batch: EventBatch): Message[] {
  return batch.ids.map((id, i) => {
    const payload = batch.payloads[i]!;
    return {
      key: id,
      value: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
      headers: { [eventHeaders.id]: id },
    };
  });
}
