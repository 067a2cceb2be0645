import { once } from "node:events";
import { connect } from "node:http2";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The SETTINGS a plaintext HTTP/2 port announces, and its session for further checks. */
async function openSession(port: number) {
  const session = connect(`http://127.0.0.1:${port}`);
  session.on("error", () => undefined);
  await once(session, "remoteSettings");
  return session;
}

/** Resolves with the time until the server sends GOAWAY on `session`, or rejects after `withinMs`. */
function goawayWithin(session: ReturnType<typeof connect>, withinMs: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no GOAWAY within ${withinMs} ms`)), withinMs);
    session.once("goaway", () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

describe("HTTP/2 connection limits", () => {
  it("announces MAX_CONCURRENT_STREAMS on both ports", async () => {
    server = await startTestServer({ MAX_CONCURRENT_STREAMS: "7" });
    for (const port of [server.ports.grpcPort, server.ports.httpPort]) {
      const session = await openSession(port);
      expect(session.remoteSettings.maxConcurrentStreams, `port ${port}`).toBe(7);
      session.close();
    }
  });

  it("asks connections older than GRPC_MAX_CONNECTION_AGE_MS to go away, and clients carry on", async () => {
    server = await startTestServer({ GRPC_MAX_CONNECTION_AGE_MS: "300" });
    const session = await openSession(server.ports.grpcPort);
    expect(await goawayWithin(session, 5_000)).toBeGreaterThanOrEqual(200);
    session.close();
    const client = createClient(VectorsService, server.transport("grpc-js"));
    for (let call = 0; call < 8; call++) {
      await client.listCollections({});
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it("ends a stream still open after the age grace with UNAVAILABLE", async () => {
    server = await startTestServer({
      GRPC_MAX_CONNECTION_AGE_MS: "300",
      GRPC_MAX_CONNECTION_AGE_GRACE_MS: "300",
    });
    const events = createClient(EventsService, server.transport("grpc-js"));
    await events.createTopic({ name: "aged", partitions: 1 });
    const subscription = events.subscribe({ topic: "aged" }, { timeoutMs: 10_000 });
    const ended = await (async () => {
      try {
        for await (const _ of subscription) return "an event";
        return "the end";
      } catch (error) {
        return ConnectError.from(error).code;
      }
    })();
    expect(ended).toBe(Code.Unavailable);
  });

  it("closes connections idle for GRPC_MAX_CONNECTION_IDLE_MS", async () => {
    server = await startTestServer({ GRPC_MAX_CONNECTION_IDLE_MS: "300" });
    const session = await openSession(server.ports.grpcPort);
    expect(await goawayWithin(session, 5_000)).toBeGreaterThanOrEqual(200);
    session.close();
  });

  it("keeps connections without an age or idle limit by default", async () => {
    server = await startTestServer();
    const session = await openSession(server.ports.grpcPort);
    await expect(goawayWithin(session, 1_000)).rejects.toThrow(/no GOAWAY/);
    expect(session.remoteSettings.maxConcurrentStreams).toBe(1_000);
    session.close();
  });
});
