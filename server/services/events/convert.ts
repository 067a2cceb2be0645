import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  type Duration,
  durationFromMs,
  durationMs,
  timestampDate,
  timestampFromDate,
} from "@bufbuild/protobuf/wkt";
import type {
  AppendAck,
  NewEvent,
  ReadOptions,
  ReadStart,
  StoredEvent,
  Topic,
} from "../../../clients/events/port.js";
import type {
  AckSchema,
  Event,
  EventSchema,
  SubscribeRequest,
  TopicSchema,
} from "../../../gen/ragplane/v1/events_pb.js";

/** A published event as the port takes it: empty key, content type and subject stay empty. */
export function toNewEvent(event: Event): NewEvent {
  return {
    id: event.id,
    key: event.key,
    payload: event.payload,
    contentType: event.contentType,
    headers: event.headers,
    subject: event.subject,
    ...(event.time ? { time: timestampDate(event.time) } : {}),
  };
}

/** A stored event as the `Event` message of a `SubscribeResponse`; a tombstone says `erased`. */
export function toEventInit(event: StoredEvent): MessageInitShape<typeof EventSchema> {
  return {
    id: event.id,
    key: event.key,
    payload: event.payload,
    contentType: event.contentType,
    headers: { ...event.headers },
    subject: event.subject,
    time: timestampFromDate(event.time),
    ...(event.erased ? { erased: true } : {}),
  };
}

/** An ack as the `Ack` message. */
export function toAckInit(ack: AppendAck): MessageInitShape<typeof AckSchema> {
  return { id: ack.id, partition: ack.partition, offset: ack.offset, duplicate: ack.duplicate };
}

/** A topic as the `Topic` message; retention 0 (forever) is sent as a zero duration. */
export function toTopicInit(topic: Topic): MessageInitShape<typeof TopicSchema> {
  return {
    name: topic.name,
    partitions: topic.partitions,
    retention: durationFromMs(topic.retentionMs),
  };
}

/**
 * A retention duration in whole milliseconds, rounded up so that a positive one stays
 * positive; unset means 0 (forever).
 */
export function toRetentionMs(retention: Duration | undefined): number {
  return retention ? Math.ceil(durationMs(retention)) : 0;
}

/** The port's read options for a `SubscribeRequest`; an unset start is the beginning. */
export function toReadOptions(request: SubscribeRequest): ReadOptions {
  const start = toReadStart(request.start);
  return request.partition === undefined ? { start } : { start, partition: request.partition };
}

function toReadStart(start: SubscribeRequest["start"]): ReadStart {
  switch (start.case) {
    case "startOffset":
      return { kind: "offset", offset: start.value };
    case "startTime":
      return { kind: "time", time: timestampDate(start.value) };
    case "fromLatest":
      return start.value ? { kind: "latest" } : { kind: "beginning" };
    default:
      return { kind: "beginning" };
  }
}
