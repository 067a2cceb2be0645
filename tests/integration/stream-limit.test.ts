import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { rejection } from "../support/errors.js";
import { startTestServer, type TestServer, transportNames } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ STREAMS_MAX_PER_PRINCIPAL: "2" });
});
afterAll(() => server.close());

/** Opens a subscription and waits until the server has accepted it (first answer or idle). */
async function open(events: ReturnType<typeof createClient<typeof EventsService>>) {
  const abort = new AbortController();
  const stream = events.subscribe({ topic: "feed" }, { signal: abort.signal });
  const iterator = stream[Symbol.asyncIterator]();
  const first = iterator.next().then(
    () => undefined,
    (error: unknown) => error,
  );
  const settled = await Promise.race([first, new Promise((r) => setTimeout(r, 300, "open"))]);
  return { abort, settled, first };
}

describe.each(transportNames)("open streams over %s", (transportName) => {
  it("caps a principal's open subscriptions and frees a slot when one ends", async () => {
    const key = await server.createKey(`streams-${transportName}`.replace(/[^a-z0-9-]/g, "-"));
    const events = createClient(EventsService, server.transport(transportName, { apiKey: key }));
    await events.createTopic({ name: "feed" });
    const first = await open(events);
    const second = await open(events);
    expect([first.settled, second.settled]).toEqual(["open", "open"]);

    const third = await rejection(
      (async () => {
        for await (const _ of events.subscribe({ topic: "feed" }, { timeoutMs: 2_000 })) break;
      })(),
    );
    expect(third.code).toBe(Code.ResourceExhausted);
    expect(third.message).toContain("open streams per principal");
    expect(third.findDetails(RetryInfoSchema)).toHaveLength(1);

    first.abort.abort();
    await first.first;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = await open(events);
    expect(again.settled).toBe("open");
    second.abort.abort();
    again.abort.abort();
    await Promise.all([second.first, again.first]);
  });
});
