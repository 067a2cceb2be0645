import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  CreateTopicRequestSchema,
  ListTopicsRequestSchema,
  PublishRequestSchema,
  SubscribeRequestSchema,
} from "../../gen/ragplane/v1/events_pb.js";
import { encodePageToken } from "../../server/services/events/page-token.js";
import { eventsValidators } from "../../server/services/events/validate.js";

const publish = (init: MessageInitShape<typeof PublishRequestSchema>) =>
  eventsValidators.publish(create(PublishRequestSchema, init));
const subscribe = (init: MessageInitShape<typeof SubscribeRequestSchema>) =>
  eventsValidators.subscribe(create(SubscribeRequestSchema, init));
const listTopics = (init: MessageInitShape<typeof ListTopicsRequestSchema>) =>
  eventsValidators.listTopics(create(ListTopicsRequestSchema, init));
const createTopic = (init: MessageInitShape<typeof CreateTopicRequestSchema>) =>
  eventsValidators.createTopic(create(CreateTopicRequestSchema, init));
const fields = (violations: readonly { field: string }[]) => violations.map((v) => v.field);

const long = "x".repeat(257);

describe("eventsValidators.publish", () => {
  it("accepts a well-formed batch", () => {
    expect(
      publish({
        topic: "orders.v1",
        events: [
          { id: "a", key: "k", contentType: "application/json", headers: { h: "v" }, subject: "s" },
          { id: "é".repeat(128), time: { seconds: 1_700_000_000n } },
        ],
      }),
    ).toEqual([]);
  });

  it("rejects a missing or malformed topic name", () => {
    expect(fields(publish({ topic: "", events: [{ id: "a" }] }))).toEqual(["topic"]);
    expect(fields(publish({ topic: "a b", events: [{ id: "a" }] }))).toEqual(["topic"]);
    expect(fields(publish({ topic: "t".repeat(201), events: [{ id: "a" }] }))).toEqual(["topic"]);
  });

  it("rejects an empty batch and one over 1000 events", () => {
    expect(publish({ topic: "t", events: [] })).toEqual([
      { field: "events", description: "must not be empty" },
    ]);
    const events = Array.from({ length: 1001 }, (_, i) => ({ id: `e${i}` }));
    expect(fields(publish({ topic: "t", events }))).toEqual(["events"]);
    expect(publish({ topic: "t", events: events.slice(0, 1000) })).toEqual([]);
  });

  it("rejects empty ids and ids over 256 bytes, counting UTF-8 bytes", () => {
    const violations = publish({
      topic: "t",
      events: [{ id: "ok" }, { id: "" }, { id: long }, { id: "é".repeat(129) }],
    });
    expect(fields(violations)).toEqual(["events[1].id", "events[2].id", "events[3].id"]);
  });

  it("reports an id repeated within the batch at the repeat, naming the first", () => {
    const violations = publish({
      topic: "t",
      events: [{ id: "a" }, { id: "b" }, { id: "a" }, { id: "a" }],
    });
    expect(violations).toEqual([
      { field: "events[2].id", description: "repeats the id of events[0]" },
      { field: "events[3].id", description: "repeats the id of events[0]" },
    ]);
  });

  it("limits key, content_type and subject to 256 bytes", () => {
    const violations = publish({
      topic: "t",
      events: [{ id: "a", key: long, contentType: long, subject: long }],
    });
    expect(fields(violations)).toEqual([
      "events[0].key",
      "events[0].content_type",
      "events[0].subject",
    ]);
  });

  it("refuses a subject with NUL, which EraseSubject could never name", () => {
    const violations = publish({
      topic: "t",
      events: [
        { id: "a", subject: "person\u00001" },
        { id: "b", subject: "" },
      ],
    });
    expect(fields(violations)).toEqual(["events[0].subject"]);
  });

  it("limits headers to 64 entries with keys of at most 256 bytes", () => {
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`h${i}`, "v"]));
    const sixtyFour = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`h${i}`, "v"]));
    expect(
      publish({
        topic: "t",
        events: [
          { id: "a", headers: many },
          { id: "b", headers: { [long]: "v" } },
          { id: "c", headers: sixtyFour },
        ],
      }),
    ).toEqual([
      { field: "events[0].headers", description: "must hold at most 64 entries" },
      { field: "events[1].headers", description: "keys must be at most 256 bytes" },
    ]);
  });

  it("rejects an event time outside the Timestamp range", () => {
    const violations = publish({
      topic: "t",
      events: [
        { id: "a", time: { seconds: 0n, nanos: -1 } },
        { id: "b", time: { seconds: 253_402_300_800n } },
      ],
    });
    expect(fields(violations)).toEqual(["events[0].time", "events[1].time"]);
  });
});

describe("eventsValidators.subscribe", () => {
  it("accepts every start and a partition", () => {
    expect(subscribe({ topic: "t" })).toEqual([]);
    expect(
      subscribe({ topic: "t", start: { case: "startOffset", value: 0n }, partition: 0 }),
    ).toEqual([]);
    expect(subscribe({ topic: "t", start: { case: "startTime", value: { seconds: 1n } } })).toEqual(
      [],
    );
    expect(subscribe({ topic: "t", start: { case: "fromLatest", value: true } })).toEqual([]);
  });

  it("rejects a bad topic, a negative start_offset and a negative partition", () => {
    const violations = subscribe({
      topic: "",
      start: { case: "startOffset", value: -1n },
      partition: -1,
    });
    expect(fields(violations)).toEqual(["topic", "start_offset", "partition"]);
  });

  it("rejects an invalid start_time and a partition no topic can have", () => {
    const violations = subscribe({
      topic: "t",
      start: { case: "startTime", value: { seconds: 0n, nanos: 1_000_000_000 } },
      partition: 1000,
    });
    expect(fields(violations)).toEqual(["start_time", "partition"]);
  });
});

describe("eventsValidators.listTopics", () => {
  it("accepts the defaults, page_size up to 1000 and an issued token", () => {
    expect(listTopics({})).toEqual([]);
    expect(listTopics({ pageSize: 1000, pageToken: encodePageToken("orders") })).toEqual([]);
  });

  it("rejects a negative or oversized page_size", () => {
    expect(fields(listTopics({ pageSize: -1 }))).toEqual(["page_size"]);
    expect(fields(listTopics({ pageSize: 1001 }))).toEqual(["page_size"]);
  });

  it("rejects a page_token that is not one the server issued", () => {
    for (const pageToken of ["!!!", "b3JkZXJz=", encodePageToken("not a name"), "x".repeat(500)]) {
      expect(fields(listTopics({ pageToken }))).toEqual(["page_token"]);
    }
  });
});

describe("eventsValidators.createTopic", () => {
  it("accepts 0 to 1000 partitions and a non-negative retention", () => {
    expect(createTopic({ name: "t" })).toEqual([]);
    expect(createTopic({ name: "t", partitions: 1000, retention: { seconds: 3600n } })).toEqual([]);
  });

  it("rejects a bad name, partitions outside 0..1000 and a negative retention", () => {
    expect(fields(createTopic({ name: "bad/name", partitions: 1001 }))).toEqual([
      "name",
      "partitions",
    ]);
    expect(fields(createTopic({ name: "t", partitions: -1 }))).toEqual(["partitions"]);
    expect(fields(createTopic({ name: "t", retention: { seconds: -1n } }))).toEqual(["retention"]);
    expect(fields(createTopic({ name: "t", retention: { nanos: -5 } }))).toEqual(["retention"]);
  });
});
