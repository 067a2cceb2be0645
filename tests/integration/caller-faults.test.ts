import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { envelope, rawCall as sendRaw } from "../support/raw-http2.js";
import { startTestServer, type TestServer, type TransportName } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const unary = "/ragplane.v1.VectorsService/ListCollections";
const clientStream = "/ragplane.v1.VectorsService/UpsertStream";
const notGzip = Buffer.from("these bytes are not gzip");

const compressed = envelope(1, notGzip);
const empty = envelope(0, new Uint8Array());

/** A raw call to `port` as the admin. */
const rawCall = (port: number, path: string, headers: Record<string, string>, body: Buffer) =>
  sendRaw({ port, apiKey: server.adminKey }, path, headers, body);

async function expectServing(transports: readonly TransportName[]): Promise<void> {
  for (const name of transports) {
    const vectors = createClient(VectorsService, server.transport(name));
    await expect(vectors.listCollections({})).resolves.toBeDefined();
  }
}

describe("a malformed grpc-timeout", () => {
  it.each(["abc", "1x"])("is INVALID_ARGUMENT on the gRPC port: %s", async (timeout) => {
    const grpc = { "content-type": "application/grpc", "grpc-timeout": timeout };
    for (const path of [unary, clientStream]) {
      const answer = await rawCall(server.ports.grpcPort, path, grpc, empty);
      expect(answer.status).toBe("3");
      expect(answer.message).toContain(`Invalid grpc-timeout value "${timeout}"`);
    }
    await expectServing(["grpc-js"]);
  });

  it.each(["abc", "1x", "99999999999S"])(
    "is INVALID_ARGUMENT on the HTTP port, over gRPC and gRPC-Web: %s",
    async (timeout) => {
      for (const contentType of ["application/grpc", "application/grpc-web+proto"]) {
        const headers = { "content-type": contentType, "grpc-timeout": timeout };
        for (const path of [unary, clientStream]) {
          const answer = await rawCall(server.ports.httpPort, path, headers, empty);
          expect(answer).toEqual({
            status: "3",
            message: `protocol error: invalid grpc timeout value: ${timeout}`,
          });
        }
      }
      await expectServing(["grpc-h2c", "grpc-web"]);
    },
  );

  it.each(["abc", "99999999999"])(
    "is invalid_argument on the HTTP port, over Connect: connect-timeout-ms %s",
    async (timeout) => {
      const headers = { "connect-protocol-version": "1", "connect-timeout-ms": timeout };
      const answers = [
        await rawCall(
          server.ports.httpPort,
          unary,
          { ...headers, "content-type": "application/proto" },
          Buffer.alloc(0),
        ),
        await rawCall(
          server.ports.httpPort,
          clientStream,
          { ...headers, "content-type": "application/connect+proto" },
          empty,
        ),
      ];
      for (const answer of answers) {
        expect(answer).toEqual({
          status: "invalid_argument",
          message: `protocol error: invalid connect timeout value: ${timeout}`,
        });
      }
      await expectServing(["connect"]);
    },
  );
});

describe("a compressed message that does not decompress", () => {
  it.each(["gzip", "deflate"])("is INVALID_ARGUMENT on the gRPC port: %s", async (encoding) => {
    const grpc = { "content-type": "application/grpc", "grpc-encoding": encoding };
    for (const path of [unary, clientStream]) {
      const answer = await rawCall(server.ports.grpcPort, path, grpc, compressed);
      expect(answer.status).toBe("3");
      expect(answer.message).toContain("Failed to decompress message");
    }
    await expectServing(["grpc-js"]);
  });

  it("is INVALID_ARGUMENT on the HTTP port, over gRPC and gRPC-Web", async () => {
    for (const contentType of ["application/grpc", "application/grpc-web+proto"]) {
      const headers = { "content-type": contentType, "grpc-encoding": "gzip" };
      for (const path of [unary, clientStream]) {
        const answer = await rawCall(server.ports.httpPort, path, headers, compressed);
        expect(answer).toEqual({ status: "3", message: "decompression failed" });
      }
    }
    await expectServing(["grpc-h2c", "grpc-web"]);
  });

  it("is invalid_argument on the HTTP port, over Connect", async () => {
    const answers = [
      await rawCall(
        server.ports.httpPort,
        unary,
        {
          "content-type": "application/proto",
          "connect-protocol-version": "1",
          "content-encoding": "gzip",
        },
        notGzip,
      ),
      await rawCall(
        server.ports.httpPort,
        clientStream,
        {
          "content-type": "application/connect+proto",
          "connect-protocol-version": "1",
          "connect-content-encoding": "gzip",
        },
        compressed,
      ),
    ];
    for (const answer of answers) {
      expect(answer).toEqual({ status: "invalid_argument", message: "decompression failed" });
    }
    await expectServing(["connect"]);
  });
});
