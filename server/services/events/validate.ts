import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import type { Event, EventsService } from "../../../gen/ragplane/v1/events_pb.js";
import { reservedHeaderPrefix } from "../../../security/encryption/event-content.js";
import { limits } from "../../limits.js";
import { utf8Length, Violations } from "../../validation/violations.js";
import type { ServiceValidators } from "../handlers.js";
import { decodePageToken } from "./page-token.js";

/** Most partitions a topic may have. */
export const maxPartitions = 1000;

const minTimestampSeconds = -62_135_596_800n;
const maxTimestampSeconds = 253_402_300_799n;
const maxDurationSeconds = 315_576_000_000n;
const maxNanos = 999_999_999;

/**
 * Request validators of EventsService. Field paths use the proto's snake_case names
 * (`events[3].content_type`), as `google.rpc.BadRequest` expects.
 */
export const eventsValidators: ServiceValidators<typeof EventsService.method> = {
  publish(request) {
    const v = new Violations();
    v.name("topic", request.topic);
    if (v.batch("events", request.events.length)) {
      const firstIndex = new Map<string, number>();
      request.events.forEach((event, index) => {
        checkEvent(v, `events[${index}]`, event);
        const first = firstIndex.get(event.id);
        if (first === undefined) firstIndex.set(event.id, index);
        else if (event.id !== "")
          v.add(`events[${index}].id`, `repeats the id of events[${first}]`);
      });
    }
    return v.list;
  },

  subscribe(request) {
    const v = new Violations();
    v.name("topic", request.topic);
    const { start } = request;
    if (start.case === "startOffset" && start.value < 0n)
      v.add("start_offset", "must not be negative");
    if (start.case === "startTime") timestamp(v, "start_time", start.value);
    if (request.partition !== undefined)
      v.atMost("partition", request.partition, maxPartitions - 1);
    return v.list;
  },

  listTopics(request) {
    const v = new Violations();
    v.atMost("page_size", request.pageSize, limits.maxPageSize);
    if (decodePageToken(request.pageToken).kind === "invalid") {
      v.add("page_token", "is not a token returned by ListTopics");
    }
    return v.list;
  },

  createTopic(request) {
    const v = new Violations();
    v.name("name", request.name);
    v.atMost("partitions", request.partitions, maxPartitions);
    if (request.retention) retention(v, "retention", request.retention);
    return v.list;
  },
};

function checkEvent(v: Violations, path: string, event: Event): void {
  v.id(`${path}.id`, event.id);
  v.shortText(`${path}.key`, event.key);
  v.shortText(`${path}.content_type`, event.contentType);
  v.subject(`${path}.subject`, event.subject);
  const keys = Object.keys(event.headers);
  if (keys.length > limits.maxEventHeaders) {
    v.add(`${path}.headers`, `must hold at most ${limits.maxEventHeaders} entries`);
  }
  for (const key of keys) {
    if (utf8Length(key) > limits.maxIdBytes) {
      v.add(`${path}.headers`, `keys must be at most ${limits.maxIdBytes} bytes`);
      break;
    }
  }
  const reserved = keys.find((key) => key.startsWith(reservedHeaderPrefix));
  if (reserved !== undefined) {
    v.add(
      `${path}.headers`,
      `keys starting with "${reservedHeaderPrefix}" are reserved (${JSON.stringify(reserved)})`,
    );
  }
  if (event.time) timestamp(v, `${path}.time`, event.time);
}

function timestamp(v: Violations, field: string, value: Timestamp): void {
  if (value.nanos < 0 || value.nanos > maxNanos) v.add(field, "nanos must be 0 to 999999999");
  else if (value.seconds < minTimestampSeconds || value.seconds > maxTimestampSeconds) {
    v.add(field, "must be between 0001-01-01 and 9999-12-31");
  }
}

function retention(v: Violations, field: string, value: Duration): void {
  if (value.seconds < 0n || value.nanos < 0) v.add(field, "must not be negative");
  else if (value.nanos > maxNanos) v.add(field, "nanos must be 0 to 999999999");
  else if (value.seconds > maxDurationSeconds) v.add(field, "must be at most 10000 years");
}
