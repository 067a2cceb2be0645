import { connect, constants } from "node:http2";
import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ HTTP2_MAX_RESETS_PER_SECOND: "50" });
});
afterAll(() => server?.close());

describe("HTTP/2 rapid reset on the HTTP port", () => {
  it("ends the session of a client that opens and resets streams in a loop, and serves the others", async () => {
    const session = connect(`http://127.0.0.1:${server.ports.httpPort}`);
    session.on("error", () => undefined);
    let refused = false;
    const goaway = new Promise<number>((resolve) =>
      session.once("goaway", (code) => {
        refused = true;
        resolve(code);
      }),
    );
    const closed = new Promise<void>((resolve) => session.once("close", () => resolve()));
    let opened = 0;
    for (let i = 0; i < 5_000 && !refused && !session.closed && !session.destroyed; i++) {
      const stream = session.request({
        ":method": "POST",
        ":path": "/ragplane.v1.VectorsService/ListCollections",
        "content-type": "application/grpc",
        te: "trailers",
      });
      stream.on("error", () => undefined);
      stream.close(constants.NGHTTP2_CANCEL);
      opened += 1;
      if (i % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
    }
    const code = await Promise.race([goaway, closed.then(() => "closed without GOAWAY")]);
    expect(code).toBe(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    await closed;
    expect(opened).toBeGreaterThan(50);
    const vectors = createClient(VectorsService, server.transport("grpc-h2c"));
    await expect(vectors.listCollections({})).resolves.toBeDefined();
  });
});
