import { connect } from "node:http2";
import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { startTestServer, type TestServer, type TransportName } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const unary = "/ragplane.v1.VectorsService/ListCollections";
const clientStream = "/ragplane.v1.VectorsService/UpsertStream";
const notGzip = Buffer.from("these bytes are not gzip");

/** What a raw call was answered: its status (gRPC number or Connect code) and message. */
interface Answer {
  readonly status: string | undefined;
  readonly message: string;
}

/** One message in the gRPC / Connect envelope: flags byte, length, bytes. */
function envelope(flags: number, data: Uint8Array): Buffer {
  const framed = Buffer.alloc(5 + data.length);
  framed[0] = flags;
  framed.writeUInt32BE(data.length, 1);
  framed.set(data, 5);
  return framed;
}

const compressed = envelope(1, notGzip);
const empty = envelope(0, new Uint8Array());

/**
 * Sends one raw HTTP/2 request and reads its status wherever the protocol puts it: gRPC
 * headers or trailers, the gRPC-Web trailer frame, the Connect error body or end-stream
 * message.
 */
function rawCall(
  port: number,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      te: "trailers",
      authorization: `Bearer ${server.adminKey}`,
      ...headers,
    });
    const fields = new Map<string, string>();
    const keep = (received: Record<string, unknown>) => {
      for (const name of ["grpc-status", "grpc-message"]) {
        const value = received[name];
        if (typeof value === "string") fields.set(name, value);
      }
    };
    const chunks: Buffer[] = [];
    stream.on("response", keep);
    stream.on("trailers", keep);
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("close", () => {
      session.close();
      const text = Buffer.concat(chunks).toString("latin1");
      for (const match of text.matchAll(/(grpc-status|grpc-message): *([^\r\n]*)/g)) {
        fields.set(match[1] as string, match[2] as string);
      }
      const error = connectError(text);
      resolve(
        error ?? {
          status: fields.get("grpc-status"),
          message: decodeURIComponent(fields.get("grpc-message") ?? ""),
        },
      );
    });
    stream.end(body);
  });
}

/** The error of a Connect unary error body or of an end-stream message. */
function connectError(text: string): Answer | undefined {
  const json = text.slice(text.indexOf("{"));
  if (!json.startsWith("{")) return undefined;
  try {
    type ConnectError = { code?: string; message?: string };
    const parsed = JSON.parse(json) as ConnectError & { error?: ConnectError };
    const error = parsed.error ?? parsed;
    if (typeof error.code !== "string") return undefined;
    return { status: error.code, message: error.message ?? "" };
  } catch {
    return undefined;
  }
}

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
