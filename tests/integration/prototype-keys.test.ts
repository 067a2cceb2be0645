import { gzipSync } from "node:zlib";
import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import {
  Distance,
  UpsertRequestSchema,
  UpsertStreamRequestSchema,
  VectorsService,
} from "../../gen/ragplane/v1/vectors_pb.js";
import { rejection } from "../support/errors.js";
import { prototypeKeyStandIn, withPrototypeKeys } from "../support/prototype-keys.js";
import { envelope, rawCall } from "../support/raw-http2.js";
import { startTestServer, type TestServer, type TransportName } from "../support/server.js";

let server: TestServer;
const vectors = () => createClient(VectorsService, server.transport("grpc-js"));

beforeAll(async () => {
  server = await startTestServer();
  for (const name of ["refused", "streamed", "near"]) {
    await vectors().createCollection({ name, dimension: 2, distance: Distance.COSINE });
  }
});
afterAll(() => server?.close());

const refusal = 'points[0].payload: "__proto__" is not allowed as a key';
const upsert = "/ragplane.v1.VectorsService/Upsert";
const upsertStream = "/ragplane.v1.VectorsService/UpsertStream";
const grpc = { "content-type": "application/grpc" };
const connectProtocol = { "connect-protocol-version": "1" };

/** An Upsert to `collection` whose point payload holds `__proto__` (or the stand-in). */
function upsertRequest(collection: string, replaced = true) {
  const request = create(UpsertRequestSchema, {
    collection,
    points: [{ id: "p", vector: [1, 0], payload: { [prototypeKeyStandIn]: 1, kept: 2 } }],
  });
  const binary = toBinary(UpsertRequestSchema, request);
  const json = toJsonString(UpsertRequestSchema, request);
  return replaced
    ? { binary: withPrototypeKeys(binary), json: withPrototypeKeys(json) }
    : { binary: Buffer.from(binary), json: Buffer.from(json) };
}

/** Two UpsertStream messages, the first long enough to span HTTP/2 frames, the second holding the key. */
function streamedRequests(binaryFormat: boolean): Buffer {
  const first = create(UpsertStreamRequestSchema, {
    collection: "streamed",
    points: [{ id: "a", vector: [1, 0], payload: { text: "x".repeat(50_000) } }],
  });
  const second = create(UpsertStreamRequestSchema, {
    collection: "streamed",
    points: [{ id: "b", vector: [0, 1], payload: { [prototypeKeyStandIn]: 1 } }],
  });
  const encode = (message: typeof first) =>
    withPrototypeKeys(
      binaryFormat
        ? toBinary(UpsertStreamRequestSchema, message)
        : toJsonString(UpsertStreamRequestSchema, message),
    );
  return Buffer.concat([envelope(0, encode(first)), envelope(0, encode(second))]);
}

describe("a point payload with the key __proto__", () => {
  const { binary, json } = upsertRequest("refused");
  const cases: [string, "grpc" | "http", Record<string, string>, Buffer][] = [
    ["gRPC port, gRPC", "grpc", grpc, envelope(0, binary)],
    [
      "gRPC port, gRPC gzip",
      "grpc",
      { ...grpc, "grpc-encoding": "gzip" },
      envelope(1, gzipSync(binary)),
    ],
    ["HTTP port, gRPC", "http", grpc, envelope(0, binary)],
    [
      "HTTP port, gRPC gzip",
      "http",
      { ...grpc, "grpc-encoding": "gzip" },
      envelope(1, gzipSync(binary)),
    ],
    [
      "HTTP port, gRPC-Web",
      "http",
      { "content-type": "application/grpc-web+proto" },
      envelope(0, binary),
    ],
    [
      "HTTP port, gRPC-Web JSON",
      "http",
      { "content-type": "application/grpc-web+json" },
      envelope(0, json),
    ],
    [
      "HTTP port, Connect binary",
      "http",
      { ...connectProtocol, "content-type": "application/proto" },
      binary,
    ],
    [
      "HTTP port, Connect JSON",
      "http",
      { ...connectProtocol, "content-type": "application/json" },
      json,
    ],
    [
      "HTTP port, Connect JSON gzip",
      "http",
      { ...connectProtocol, "content-type": "application/json", "content-encoding": "gzip" },
      gzipSync(json),
    ],
  ];

  it.each(cases)(
    "is refused with INVALID_ARGUMENT and its field: %s",
    async (_name, port, headers, body) => {
      const target = {
        port: server.ports[port === "grpc" ? "grpcPort" : "httpPort"],
        apiKey: server.adminKey,
      };
      const answer = await rawCall(target, upsert, headers, body);
      expect(["3", "invalid_argument"]).toContain(answer.status);
      expect(answer.message).toBe(refusal);
    },
  );

  it("is never stored, in part or whole", async () => {
    expect((await vectors().count({ collection: "refused" })).count).toBe(0n);
  });

  it("is refused in a client stream, however its messages are framed", async () => {
    const streams: [number, Record<string, string>, Buffer][] = [
      [server.ports.grpcPort, grpc, streamedRequests(true)],
      [server.ports.httpPort, grpc, streamedRequests(true)],
      [
        server.ports.httpPort,
        { ...connectProtocol, "content-type": "application/connect+proto" },
        streamedRequests(true),
      ],
      [
        server.ports.httpPort,
        { ...connectProtocol, "content-type": "application/connect+json" },
        streamedRequests(false),
      ],
    ];
    for (const [port, headers, body] of streams) {
      const answer = await rawCall({ port, apiKey: server.adminKey }, upsertStream, headers, body);
      expect(["3", "invalid_argument"]).toContain(answer.status);
      expect(answer.message).toBe(refusal);
    }
  });

  it("stores a key that only looks alike", async () => {
    const { json: near } = upsertRequest("near", false);
    const answer = await rawCall(
      { port: server.ports.httpPort, apiKey: server.adminKey },
      upsert,
      { ...connectProtocol, "content-type": "application/json" },
      near,
    );
    expect(answer.status).toBe(undefined);
    const got = await vectors().get({ collection: "near", ids: ["p"] });
    expect(got.points[0]?.payload).toEqual({ [prototypeKeyStandIn]: 1, kept: 2 });
  });
});

describe("event headers with the key __proto__", () => {
  const binaryTransports: readonly TransportName[] = ["grpc-js", "grpc-web", "grpc-h2c"];

  it.each(binaryTransports)("are refused with a field violation through %s", async (name) => {
    const events = createClient(EventsService, server.transport(name));
    await events.createTopic({ name: `keys-${name}`, partitions: 1 });
    const headers = JSON.parse('{"__proto__": "v", "kept": "w"}') as Record<string, string>;
    const error = await rejection(
      events.publish({ topic: `keys-${name}`, events: [{ id: "e1", headers }] }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.findDetails(BadRequestSchema)[0]?.fieldViolations).toEqual([
      expect.objectContaining({
        field: "events[0].headers",
        description: '"__proto__" is not allowed as a key',
      }),
    ]);
  });
});
