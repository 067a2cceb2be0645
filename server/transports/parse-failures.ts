import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";

/** How connect-es 2 starts the message of a request body that is not valid protobuf. */
const parseFailure = "parse binary: ";
const grpcParseFailure = `grpc-message: ${encodeURIComponent(parseFailure)}`;

const grpcInternal = "13";
const grpcInvalidArgument = "3";
const connectInvalidArgument = { code: "invalid_argument", status: 400 };

const endStreamFlag = 0b0000_0010;
const grpcWebTrailerFlag = 0b1000_0000;

/**
 * connect-es 2 answers a binary request body that does not parse as protobuf with
 * INTERNAL ("parse binary: …"), before any interceptor runs. The caller sent the bad
 * bytes, so this wrapper answers INVALID_ARGUMENT instead, as the grpc-js port does, on
 * each protocol of the HTTP port: the Connect error body (unary) or end-stream message
 * (streams), the gRPC trailers, and the gRPC-Web trailer frame. Every other answer passes
 * through untouched.
 */
export function withParseFailuresAsInvalidArgument(handler: UniversalHandler): UniversalHandler {
  const recoded = async (request: Parameters<UniversalHandler>[0]) => {
    const response = await handler(request);
    return response.status === 500 ? recodeConnectUnary(response) : recodeStream(response);
  };
  return Object.assign(recoded, { ...handler });
}

async function recodeConnectUnary(
  response: UniversalServerResponse,
): Promise<UniversalServerResponse> {
  if (response.body === undefined) return response;
  const chunks: Uint8Array[] = [];
  for await (const chunk of response.body) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  const recoded = recodeConnectError(body);
  if (recoded === undefined) return { ...response, body: once(body) };
  response.header?.delete("content-length");
  return { ...response, status: connectInvalidArgument.status, body: once(recoded) };
}

function recodeStream(response: UniversalServerResponse): UniversalServerResponse {
  const { body, header, trailer } = response;
  const contentType = header?.get("content-type") ?? "";
  const enveloped = /^application\/(grpc-web|connect\+)/.test(contentType);
  const grpc = /^application\/grpc/.test(contentType);
  if (body === undefined || !(enveloped || grpc)) return response;
  if (header !== undefined) recodeGrpcStatus(header);
  async function* recoded(): AsyncIterable<Uint8Array> {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      yield enveloped ? recodeEnvelopes(chunk) : chunk;
    }
    if (trailer !== undefined) recodeGrpcStatus(trailer);
  }
  return { ...response, body: recoded() };
}

/** gRPC status in headers or trailers. */
function recodeGrpcStatus(headers: Headers): void {
  const message = headers.get("grpc-message") ?? "";
  if (
    headers.get("grpc-status") === grpcInternal &&
    decodeURIComponent(message).startsWith(parseFailure)
  ) {
    headers.set("grpc-status", grpcInvalidArgument);
  }
}

/** A chunk of whole envelopes (flags, length, data), each as connect-es writes it. */
function recodeEnvelopes(chunk: Uint8Array): Uint8Array {
  const envelopes: Uint8Array[] = [];
  let changed = false;
  for (let at = 0; at + 5 <= chunk.length; ) {
    const flags = chunk[at] as number;
    const length = Buffer.from(chunk.buffer, chunk.byteOffset + at + 1, 4).readUInt32BE(0);
    const data = chunk.subarray(at + 5, at + 5 + length);
    at += 5 + length;
    const recoded =
      flags & grpcWebTrailerFlag
        ? recodeGrpcWebTrailer(data)
        : flags & endStreamFlag
          ? recodeConnectEndStream(data)
          : undefined;
    if (recoded !== undefined) changed = true;
    envelopes.push(envelope(flags, recoded ?? data));
  }
  return changed ? Buffer.concat(envelopes) : chunk;
}

function recodeGrpcWebTrailer(data: Uint8Array): Uint8Array | undefined {
  const text = Buffer.from(data).toString("latin1");
  if (!text.includes(grpcParseFailure)) return undefined;
  const recoded = text.replace(/grpc-status: *13\r\n/i, `grpc-status: ${grpcInvalidArgument}\r\n`);
  return recoded === text ? undefined : Buffer.from(recoded, "latin1");
}

function recodeConnectEndStream(data: Uint8Array): Uint8Array | undefined {
  const parsed = parseJson(data) as { error?: { code?: unknown; message?: unknown } } | undefined;
  const error = parsed?.error;
  if (!isParseFailure(error)) return undefined;
  return Buffer.from(
    JSON.stringify({ ...parsed, error: { ...error, code: connectInvalidArgument.code } }),
  );
}

function recodeConnectError(body: Uint8Array): Uint8Array | undefined {
  const error = parseJson(body);
  if (!isParseFailure(error)) return undefined;
  return Buffer.from(JSON.stringify({ ...error, code: connectInvalidArgument.code }));
}

function isParseFailure(error: unknown): error is { code: string; message: string } {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === "internal" && typeof message === "string" && message.startsWith(parseFailure);
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    return undefined;
  }
}

function envelope(flags: number, data: Uint8Array): Uint8Array {
  const framed = Buffer.alloc(5 + data.length);
  framed[0] = flags;
  framed.writeUInt32BE(data.length, 1);
  framed.set(data, 5);
  return framed;
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
