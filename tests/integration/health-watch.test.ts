import { Client, type ClientReadableStream, credentials, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
const clients: Client[] = [];

beforeAll(async () => {
  server = await startTestServer({ HEALTH_WATCH_MAX: "3", HEALTH_WATCH_MAX_PER_CONNECTION: "2" });
});
afterAll(async () => {
  for (const client of clients) client.close();
  await server?.close();
});

/** A client on its own connection (a distinct channel option keeps grpc-js from sharing one). */
function connection(port = server.ports.grpcPort): Client {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure(), {
    "grpc.ragplane_test_connection": clients.length,
  });
  clients.push(client);
  return client;
}

/** Opens a Watch of the whole server; resolves with the stream once its first status came, or the error. */
function watch(client: Client): Promise<{ stream: ClientReadableStream<Buffer>; code: number }> {
  const stream = client.makeServerStreamRequest<Buffer, Buffer>(
    "/grpc.health.v1.Health/Watch",
    (request) => request,
    (bytes) => bytes,
    Buffer.alloc(0),
  );
  return new Promise((resolve) => {
    stream.once("data", () => resolve({ stream, code: status.OK }));
    stream.once("error", (error: { code: number }) => resolve({ stream, code: error.code }));
  });
}

describe("health Watch streams, open to anyone, are capped", () => {
  it("per connection and in all, and a slot frees when a stream ends", async () => {
    const first = connection();
    const a = await watch(first);
    const b = await watch(first);
    expect([a.code, b.code]).toEqual([status.OK, status.OK]);
    expect((await watch(first)).code).toBe(status.RESOURCE_EXHAUSTED);

    const second = connection();
    const c = await watch(second);
    expect(c.code).toBe(status.OK);
    expect((await watch(second)).code).toBe(status.RESOURCE_EXHAUSTED);

    a.stream.cancel();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const d = await watch(second);
    expect(d.code).toBe(status.OK);
    for (const open of [b, c, d]) open.stream.cancel();
  });

  it("count the HTTP port's streams too, under the same caps", async () => {
    const grpcPort = connection();
    const httpPort = connection(server.ports.httpPort);
    const opened = [await watch(grpcPort), await watch(grpcPort), await watch(httpPort)];
    expect(opened.map((open) => open.code)).toEqual([status.OK, status.OK, status.OK]);
    expect((await watch(connection(server.ports.httpPort))).code).toBe(status.RESOURCE_EXHAUSTED);
    for (const open of opened) {
      open.stream.on("error", () => {});
      open.stream.cancel();
    }
  });
});
