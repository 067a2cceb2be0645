import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventsService, type SubscribeResponse } from "../../gen/ragplane/v1/events_pb.js";
import { rejection } from "../support/errors.js";
import { startTestServer, type TestServer, transportNames } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const encoder = new TextEncoder();

/** Collects `count` events from a subscription, then cancels it. */
async function take(
  stream: AsyncIterable<SubscribeResponse>,
  count: number,
  abort: AbortController,
) {
  const received: SubscribeResponse[] = [];
  for await (const response of stream) {
    received.push(response);
    if (received.length === count) break;
  }
  abort.abort();
  return received;
}

describe.each(transportNames)("EventsService over %s", (transportName) => {
  const client = () => createClient(EventsService, server.transport(transportName));
  const topic = `ingest-${transportName}`;

  it("creates and lists topics", async () => {
    const created = await client().createTopic({ name: topic, partitions: 1 });
    expect(created.topic).toMatchObject({ name: topic, partitions: 1 });
    const listed = await client().listTopics({});
    expect(listed.topics.map((t) => t.name)).toContain(topic);
    const again = await rejection(client().createTopic({ name: topic }));
    expect(again.code).toBe(Code.AlreadyExists);
  });

  it("publishes with offsets and acknowledges repeated ids as duplicates", async () => {
    const first = await client().publish({
      topic,
      events: [
        { id: "e1", payload: encoder.encode("one"), contentType: "text/plain" },
        { id: "e2", payload: encoder.encode("two") },
      ],
    });
    expect(first.acks.map((ack) => [ack.id, ack.offset, ack.duplicate])).toEqual([
      ["e1", 0n, false],
      ["e2", 1n, false],
    ]);
    const again = await client().publish({ topic, events: [{ id: "e1" }, { id: "e3" }] });
    expect(again.acks.map((ack) => [ack.id, ack.offset, ack.duplicate])).toEqual([
      ["e1", 0n, true],
      ["e3", 2n, false],
    ]);
  });

  it("replays from an offset, then follows new events", async () => {
    const abort = new AbortController();
    const stream = client().subscribe(
      { topic, start: { case: "startOffset", value: 1n } },
      { signal: abort.signal },
    );
    const received = take(stream, 3, abort);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await client().publish({ topic, events: [{ id: "e4", payload: encoder.encode("four") }] });
    const events = await received;
    expect(events.map((e) => [e.event?.id, e.offset])).toEqual([
      ["e2", 1n],
      ["e3", 2n],
      ["e4", 3n],
    ]);
    expect(new TextDecoder().decode(events[2]?.event?.payload)).toBe("four");
  });

  it("ends a subscription with DEADLINE_EXCEEDED when its deadline passes", async () => {
    const stream = client().subscribe(
      { topic, start: { case: "fromLatest", value: true } },
      { timeoutMs: 300 },
    );
    const error = await rejection(
      (async () => {
        for await (const _ of stream) {
          // nothing new is published
        }
      })(),
    );
    expect(error.code).toBe(Code.DeadlineExceeded);
  });

  it("rejects a batch with a bad event whole and writes nothing", async () => {
    const error = await rejection(
      client().publish({ topic, events: [{ id: "ok-1" }, { id: "" }] }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    const abort = new AbortController();
    const all = await take(client().subscribe({ topic }, { signal: abort.signal }), 4, abort);
    expect(all.map((e) => e.event?.id)).not.toContain("ok-1");
  });

  it("answers NOT_FOUND for an unknown topic", async () => {
    const error = await rejection(client().publish({ topic: "missing", events: [{ id: "x" }] }));
    expect(error.code).toBe(Code.NotFound);
  });
});
