import { Code, createClient } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { rejection } from "../support/errors.js";
import { startTestServer, transportNames } from "../support/server.js";

describe.each(transportNames)("shutdown over %s", (transportName) => {
  it("ends open subscriptions with UNAVAILABLE so clients reconnect elsewhere", async () => {
    const server = await startTestServer({ SHUTDOWN_GRACE_MS: "2000" });
    const client = createClient(EventsService, server.transport(transportName));
    await client.createTopic({ name: "t" });
    await client.publish({ topic: "t", events: [{ id: "1" }] });
    const stream = client.subscribe({ topic: "t" });
    let closing: Promise<void> | undefined;
    const consumed = rejection(
      (async () => {
        for await (const response of stream) {
          if (response.event?.id === "1") closing ??= server.close();
        }
      })(),
    );
    const error = await consumed;
    expect(error.code).toBe(Code.Unavailable);
    await closing;
  });
});
