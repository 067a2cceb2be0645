import { brotliCompressSync, gzipSync } from "node:zlib";
import { create, type DescMethod, toBinary, toJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  contentTypeMatcher,
  type UniversalHandler,
  type UniversalServerRequest,
} from "@connectrpc/connect/protocol";
import { describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { UpsertStreamRequestSchema, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { limits } from "../../server/limits.js";
import { withPrototypeKeysRefused } from "../../server/transports/prototype-keys.js";
import { prototypeKeyStandIn, withPrototypeKeys } from "../support/prototype-keys.js";
import { envelope } from "../support/raw-http2.js";

/** What the wrapped handler read of the body, and how the body ended. */
interface Read {
  readonly bytes: Buffer;
  readonly error: unknown;
}

/** What the innermost handler read of the last body sent. */
let lastRead: Read | undefined;

/** A handler of `method` that reads the whole body, as connect-es does before decoding. */
function reader(method: DescMethod): UniversalHandler {
  const handle = async (request: UniversalServerRequest) => {
    const chunks: Uint8Array[] = [];
    let error: unknown;
    try {
      for await (const chunk of request.body as AsyncIterable<Uint8Array>) chunks.push(chunk);
    } catch (caught) {
      error = caught;
    }
    lastRead = { bytes: Buffer.concat(chunks), error };
    return { status: 200 };
  };
  return Object.assign(handle, {
    protocolNames: ["grpc"],
    service: method.parent,
    method,
    requestPath: `/${method.parent.typeName}/${method.name}`,
    allowedMethods: ["POST"],
    supportedContentType: contentTypeMatcher(/.*/),
  });
}

/** Sends a body in `chunks` through `handler`; what the innermost handler read of it. */
async function send(
  handler: UniversalHandler,
  headers: Record<string, string>,
  chunks: readonly Uint8Array[],
): Promise<Read> {
  async function* body() {
    yield* chunks;
  }
  lastRead = undefined;
  const request: UniversalServerRequest = {
    httpVersion: "2.0",
    url: "http://localhost/",
    method: "POST",
    header: new Headers(headers),
    body: body(),
    signal: new AbortController().signal,
  };
  await handler(request);
  if (lastRead === undefined) throw new Error("the handler read nothing");
  return lastRead;
}

/** `bytes` cut into chunks of `size` bytes. */
function chunked(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

const upsertStream = VectorsService.method.upsertStream;
const refused = withPrototypeKeysRefused(reader(upsertStream));

function streamMessage(payload: Record<string, number>, format: "binary" | "json" = "binary") {
  const message = create(UpsertStreamRequestSchema, {
    collection: "c",
    points: [{ id: "a", vector: [1], payload }],
  });
  return withPrototypeKeys(
    format === "binary"
      ? toBinary(UpsertStreamRequestSchema, message)
      : toJsonString(UpsertStreamRequestSchema, message),
  );
}

function expectRefusal(read: Read): void {
  expect(read.error).toBeInstanceOf(ConnectError);
  const error = read.error as ConnectError;
  expect(error.code).toBe(Code.InvalidArgument);
  expect(error.findDetails(BadRequestSchema)[0]?.fieldViolations).toEqual([
    expect.objectContaining({ field: "points[0].payload" }),
  ]);
}

describe("withPrototypeKeysRefused", () => {
  const grpc = { "content-type": "application/grpc" };

  it("refuses the envelope holding the key before any byte completing it passes on", async () => {
    const clean = envelope(0, streamMessage({ ok: 1 }));
    const bad = envelope(0, streamMessage({ [prototypeKeyStandIn]: 1 }));
    const body = Buffer.concat([envelope(0, new Uint8Array()), clean, bad, clean]);
    const read = await send(refused, grpc, chunked(body, 1));
    expectRefusal(read);
    const badEnd = body.length - clean.length;
    expect(read.bytes.length).toBeLessThan(badEnd);
    expect(read.bytes.length).toBeGreaterThanOrEqual(badEnd - bad.length);
  });

  it("passes clean envelopes on byte for byte, however they are cut", async () => {
    const body = Buffer.concat([
      envelope(0, new Uint8Array()),
      envelope(0, streamMessage({ ok: 1 })),
      envelope(0, streamMessage({ x__proto__: 2 })),
    ]);
    for (const size of [1, 3, 7, body.length]) {
      const read = await send(refused, grpc, chunked(body, size));
      expect(read.error).toBe(undefined);
      expect(read.bytes).toEqual(body);
    }
  });

  it("looks into compressed envelopes and Connect bodies, JSON included", async () => {
    const bad = streamMessage({ [prototypeKeyStandIn]: 1 });
    expectRefusal(
      await send(refused, { ...grpc, "grpc-encoding": "gzip" }, [envelope(1, gzipSync(bad))]),
    );
    expectRefusal(
      await send(
        refused,
        { "content-type": "application/connect+json", "connect-content-encoding": "br" },
        [envelope(1, brotliCompressSync(streamMessage({ [prototypeKeyStandIn]: 1 }, "json")))],
      ),
    );
    const upsert = withPrototypeKeysRefused(reader(VectorsService.method.upsert));
    expectRefusal(
      await send(upsert, { "content-type": "application/json", "content-encoding": "gzip" }, [
        gzipSync(streamMessage({ [prototypeKeyStandIn]: 1 }, "json")),
      ]),
    );
  });

  it("leaves to connect-es what it cannot read: unknown encodings, oversized envelopes", async () => {
    const bad = envelope(1, streamMessage({ [prototypeKeyStandIn]: 1 }));
    const unknown = await send(refused, { ...grpc, "grpc-encoding": "snappy" }, [bad]);
    expect(unknown).toEqual({ bytes: bad, error: undefined });
    const oversized = Buffer.alloc(5);
    oversized.writeUInt32BE(limits.maxMessageBytes + 1, 1);
    const body = Buffer.concat([
      oversized,
      envelope(0, streamMessage({ [prototypeKeyStandIn]: 1 })),
    ]);
    expect(await send(refused, grpc, chunked(body, 4))).toEqual({ bytes: body, error: undefined });
  });

  it("leaves methods whose requests hold no map untouched", () => {
    const handler = reader(VectorsService.method.listCollections);
    expect(withPrototypeKeysRefused(handler)).toBe(handler);
  });
});
