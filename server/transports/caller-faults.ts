import { base64Decode } from "@bufbuild/protobuf/wire";
import type {
  UniversalHandler,
  UniversalServerRequest,
  UniversalServerResponse,
} from "@connectrpc/connect/protocol";

/**
 * How connect-es 2 starts the messages of the INTERNAL errors it raises for bytes the
 * caller sent: a body that is not valid protobuf, and a compressed message without a
 * declared encoding.
 */
const callerFaults = [
  "parse binary: ",
  "received compressed envelope, but do not know how to decompress",
];
const isCallerFault = (message: string) => callerFaults.some((fault) => message.startsWith(fault));

const grpcInternal = "13";
const grpcInvalidArgument = "3";
const connectInvalidArgument = { code: "invalid_argument", status: 400 };

const compressedFlag = 0b0000_0001;
const endStreamFlag = 0b0000_0010;
const grpcWebTrailerFlag = 0b1000_0000;

/**
 * connect-es 2 answers some bytes the caller got wrong with INTERNAL, before any
 * interceptor runs: a body that does not parse as protobuf ("parse binary: …"), a
 * compressed message without a declared encoding, and a Connect GET whose `message` is
 * not base64. This wrapper answers those with INVALID_ARGUMENT, as the grpc-js port does,
 * on each protocol of the HTTP port: the Connect error body (unary) or end-stream message
 * (streams), the gRPC trailers, and the gRPC-Web trailer frame. Every other answer passes
 * through untouched.
 */
export function withCallerFaultsAsInvalidArgument(handler: UniversalHandler): UniversalHandler {
  const recoded = async (request: UniversalServerRequest) => {
    const refused = refuseUndecodableQuery(request);
    if (refused !== undefined) return refused;
    const response = await handler(request);
    return response.status === 500 ? recodeConnectUnary(response) : recodeStream(response);
  };
  return Object.assign(recoded, { ...handler });
}

/** A Connect GET with `base64=1` and a `message` that is not base64. */
function refuseUndecodableQuery(
  request: UniversalServerRequest,
): UniversalServerResponse | undefined {
  if (request.method !== "GET") return undefined;
  const query = new URL(request.url).searchParams;
  if (query.get("base64") !== "1") return undefined;
  try {
    base64Decode(query.get("message") ?? "");
    return undefined;
  } catch {
    const error = { code: connectInvalidArgument.code, message: "message: not valid base64" };
    return {
      status: connectInvalidArgument.status,
      header: new Headers({ "content-type": "application/json" }),
      body: once(Buffer.from(JSON.stringify(error))),
    };
  }
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
  if (headers.get("grpc-status") !== grpcInternal) return;
  if (isCallerFault(percentDecoded(headers.get("grpc-message") ?? ""))) {
    headers.set("grpc-status", grpcInvalidArgument);
  }
}

function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * A chunk of envelopes (flags, length, data) with a caller fault's status recoded; the
 * chunk itself when nothing changed or it does not hold whole envelopes.
 */
function recodeEnvelopes(chunk: Uint8Array): Uint8Array {
  const envelopes: Uint8Array[] = [];
  let changed = false;
  for (let at = 0; at < chunk.length; ) {
    if (at + 5 > chunk.length) return chunk;
    const flags = chunk[at] as number;
    const length = Buffer.from(chunk.buffer, chunk.byteOffset + at + 1, 4).readUInt32BE(0);
    if (at + 5 + length > chunk.length) return chunk;
    const data = chunk.subarray(at + 5, at + 5 + length);
    at += 5 + length;
    const recoded = recodeEnvelope(flags, data);
    if (recoded !== undefined) changed = true;
    envelopes.push(envelope(flags, recoded ?? data));
  }
  return changed ? Buffer.concat(envelopes) : chunk;
}

function recodeEnvelope(flags: number, data: Uint8Array): Uint8Array | undefined {
  if (flags & compressedFlag) return undefined;
  if (flags & grpcWebTrailerFlag) return recodeGrpcWebTrailer(data);
  if (flags & endStreamFlag) return recodeConnectEndStream(data);
  return undefined;
}

function recodeGrpcWebTrailer(data: Uint8Array): Uint8Array | undefined {
  const lines = Buffer.from(data).toString("latin1").split("\r\n");
  const status = lines.findIndex((line) => /^grpc-status: *13$/i.test(line));
  const message = lines.find((line) => /^grpc-message:/i.test(line));
  if (status < 0 || message === undefined) return undefined;
  if (!isCallerFault(percentDecoded(message.slice(message.indexOf(":") + 1).trim()))) {
    return undefined;
  }
  lines[status] = `grpc-status: ${grpcInvalidArgument}`;
  return Buffer.from(lines.join("\r\n"), "latin1");
}

function recodeConnectEndStream(data: Uint8Array): Uint8Array | undefined {
  const parsed = parseJson(data) as { error?: { code?: unknown; message?: unknown } } | undefined;
  const error = parsed?.error;
  if (!isCallerFaultError(error)) return undefined;
  return Buffer.from(
    JSON.stringify({ ...parsed, error: { ...error, code: connectInvalidArgument.code } }),
  );
}

function recodeConnectError(body: Uint8Array): Uint8Array | undefined {
  const error = parseJson(body);
  if (!isCallerFaultError(error)) return undefined;
  return Buffer.from(JSON.stringify({ ...error, code: connectInvalidArgument.code }));
}

function isCallerFaultError(error: unknown): error is { code: string; message: string } {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === "internal" && typeof message === "string" && isCallerFault(message);
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
