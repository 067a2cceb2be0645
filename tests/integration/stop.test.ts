import { createClient } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { generateApiKey } from "../../security/api-keys/format.js";
import { withHeaders } from "../support/credentials.js";
import { createGrpcJsTransport } from "../support/grpc-js-transport.js";
import { startServerProcess } from "../support/server-process.js";

describe("a normal stop", () => {
  it("logs the streams it ends at info, never as errors, and 'stopped' last", async () => {
    const adminKey = generateApiKey().key;
    const server = await startServerProcess({ BOOTSTRAP_ADMIN_KEY: adminKey });
    const events = createClient(
      EventsService,
      withHeaders(createGrpcJsTransport(`127.0.0.1:${server.ports.grpcPort}`), {
        authorization: `Bearer ${adminKey}`,
      }),
    );
    await events.createTopic({ name: "t" });
    await events.publish({ topic: "t", events: [{ id: "1" }] });
    const ended = (async () => {
      for await (const _ of events.subscribe({ topic: "t" })) {
        // the stream stays open until the server stops
      }
    })().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await server.stop();
    await ended;

    const lines = server.logLines;
    const subscribeEnd = lines.find((line) => line.rpc === "ragplane.v1.EventsService/Subscribe");
    expect(subscribeEnd).toMatchObject({ level: 30, code: "UNAVAILABLE" });
    expect(lines.filter((line) => Number(line.level) >= 50)).toEqual([]);
    expect(lines.at(-1)?.msg).toBe("stopped");
  }, 60_000);
});
