import type { Database } from "better-sqlite3";
import { partitionForKey } from "../partitioner.js";
import type { AppendAck, NewEvent } from "../port.js";
import type { Statements, TopicRow } from "./statements.js";

/** Appends one batch to one topic and returns its acks in request order. */
export type Append = (topic: TopicRow, events: readonly NewEvent[]) => AppendAck[];

/**
 * Builds the append path: one IMMEDIATE transaction per batch over prepared statements,
 * so a batch is stored whole or not at all. An id already in the topic (or repeated in
 * the batch) is acked with the stored record's position and not written again.
 *
 * Append times never go backwards, even if the wall clock does: each batch is stamped
 * with the later of now and the previous batch's time, which keeps `appended_at`
 * ordered like `seq` for reads by time.
 */
export function prepareAppend(db: Database, statements: Statements): Append {
  let lastAppendedAt = statements.lastAppendTime.get() ?? 0;
  const transaction = db.transaction(
    (topic: TopicRow, events: readonly NewEvent[], appendedAt: number): AppendAck[] => {
      const nextOffsets = new Map<number, number>();
      const acks = events.map((event, index): AppendAck => {
        if (event.id.length === 0) throw new RangeError(`events[${index}].id must not be empty`);
        const original = statements.positionById.get(topic.topic_id, event.id);
        if (original) {
          return {
            id: event.id,
            partition: original.partition_index,
            offset: BigInt(original.log_offset),
            duplicate: true,
          };
        }
        const key = event.key || event.id;
        const partition = partitionForKey(key, topic.partitions);
        const offset =
          nextOffsets.get(partition) ?? statements.nextOffset.get(topic.topic_id, partition) ?? 0;
        statements.insertEvent.run(
          topic.topic_id,
          partition,
          offset,
          event.id,
          key,
          asBuffer(event.payload),
          event.contentType ?? "",
          encodeHeaders(event.headers),
          event.subject ?? "",
          event.time?.getTime() ?? appendedAt,
          appendedAt,
        );
        nextOffsets.set(partition, offset + 1);
        return { id: event.id, partition, offset: BigInt(offset), duplicate: false };
      });
      for (const [partition, next] of nextOffsets) {
        statements.setNextOffset.run(next, topic.topic_id, partition);
      }
      return acks;
    },
  );
  return (topic, events) => {
    const appendedAt = Math.max(Date.now(), lastAppendedAt);
    const acks = transaction.immediate(topic, events, appendedAt);
    lastAppendedAt = appendedAt;
    return acks;
  };
}

function asBuffer(payload: Uint8Array): Buffer {
  return Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

function encodeHeaders(headers: Readonly<Record<string, string>> | undefined): string | null {
  return headers === undefined || Object.keys(headers).length === 0
    ? null
    : JSON.stringify(headers);
}
