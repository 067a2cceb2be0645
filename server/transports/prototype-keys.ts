import type { DescMessage } from "@bufbuild/protobuf";
import type {
  Compression,
  UniversalHandler,
  UniversalServerRequest,
} from "@connectrpc/connect/protocol";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import { invalidArgument } from "../../interceptors/validation.js";
import { limits } from "../limits.js";
import { canHoldMapKeys, prototypeKeyInBinary } from "../validation/prototype-keys.js";
import { prototypeKeyInJson } from "../validation/prototype-keys-json.js";
import type { FieldViolation } from "../validation/violations.js";

/** The encodings connect-node accepts by default, which the HTTP port keeps. */
const compressions: readonly Compression[] = [compressionGzip, compressionBrotli];

const envelopeHeaderBytes = 5;
const compressedFlag = 0b0000_0001;

type Find = (desc: DescMessage, bytes: Uint8Array) => FieldViolation | undefined;

/**
 * protobuf-es drops a map key `__proto__` while it decodes, and on the HTTP port
 * connect-es decodes before any of our code sees the request. For a method whose request
 * can hold map keys, this wrapper looks at each request message as it streams past
 * (decompressed as connect-es will, binary or JSON by content type) and refuses one with
 * such a key with INVALID_ARGUMENT and a field violation, before connect-es decodes it.
 * The bytes pass on unchanged; what it cannot read (an unknown encoding, bytes that do
 * not decompress, an oversized message) is left to connect-es to refuse. GET requests
 * pass as they are: only read methods allow them, and their maps (filter values) must
 * hold scalars anyway.
 */
export function withPrototypeKeysRefused(handler: UniversalHandler): UniversalHandler {
  const input = handler.method.input;
  if (!canHoldMapKeys(input)) return handler;
  const checked = (request: UniversalServerRequest) => {
    const { body, header } = request;
    if (!isByteStream(body)) return handler(request);
    const contentType = header.get("content-type") ?? "";
    const find: Find = contentType.includes("json") ? prototypeKeyInJson : prototypeKeyInBinary;
    const inspect = async (message: Uint8Array, encoding: string | null) => {
      const bytes = await decompressed(message, encoding);
      const violation = bytes === undefined ? undefined : find(input, bytes);
      if (violation !== undefined) throw invalidArgument([violation]);
    };
    const streamEncoding = contentType.startsWith("application/connect+")
      ? "connect-content-encoding"
      : "grpc-encoding";
    const inspected = /^application\/(grpc|connect\+)/.test(contentType)
      ? inspectEnvelopes(body, header.get(streamEncoding), inspect)
      : inspectWhole(body, header.get("content-encoding") ?? "identity", inspect);
    return handler({ ...request, body: inspected });
  };
  return Object.assign(checked, { ...handler });
}

function isByteStream(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body;
}

type Inspect = (message: Uint8Array, encoding: string | null) => Promise<void>;

/** The bytes of a Connect unary body, inspected once whole, before the iteration ends. */
async function* inspectWhole(
  body: AsyncIterable<Uint8Array>,
  encoding: string | null,
  inspect: Inspect,
): AsyncIterable<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size <= limits.maxMessageBytes) chunks.push(chunk);
    yield chunk;
  }
  if (size <= limits.maxMessageBytes) await inspect(joined(chunks, size), encoding);
}

/**
 * The bytes of enveloped messages (gRPC, gRPC-Web, Connect streams); each chunk is
 * passed on once the envelopes it completes were inspected.
 */
async function* inspectEnvelopes(
  body: AsyncIterable<Uint8Array>,
  encoding: string | null,
  inspect: Inspect,
): AsyncIterable<Uint8Array> {
  let parts: Uint8Array[] = [];
  let size = 0;
  let dataLength: number | undefined;
  let inspecting = true;
  for await (const chunk of body) {
    if (inspecting) {
      parts.push(chunk);
      size += chunk.byteLength;
    }
    while (inspecting && size >= envelopeHeaderBytes + (dataLength ?? 0)) {
      const buffered = joined(parts, size);
      parts = [buffered];
      if (dataLength === undefined) {
        dataLength = buffered.readUInt32BE(1);
        inspecting = dataLength <= limits.maxMessageBytes;
        continue;
      }
      const end = envelopeHeaderBytes + dataLength;
      const flags = buffered[0] as number;
      await inspect(
        buffered.subarray(envelopeHeaderBytes, end),
        flags & compressedFlag ? encoding : "identity",
      );
      const rest = buffered.subarray(end);
      parts = rest.byteLength > 0 ? [rest] : [];
      size = rest.byteLength;
      dataLength = undefined;
    }
    if (!inspecting) parts = [];
    yield chunk;
  }
}

/** The parts as one buffer, copied only when there are several. */
function joined(parts: readonly Uint8Array[], size: number): Buffer {
  const [only] = parts;
  if (parts.length === 1 && only !== undefined) {
    return Buffer.from(only.buffer, only.byteOffset, only.byteLength);
  }
  return Buffer.concat(parts, size);
}

/**
 * A message's bytes, decompressed; undefined when connect-es will refuse them (no
 * encoding for a compressed message, an unknown one, bytes that do not decompress).
 */
async function decompressed(
  bytes: Uint8Array,
  encoding: string | null,
): Promise<Uint8Array | undefined> {
  if (encoding === "identity") return bytes;
  if (encoding === null) return undefined;
  const compression = compressions.find((candidate) => candidate.name === encoding);
  if (compression === undefined) return undefined;
  try {
    return await compression.decompress(bytes, limits.maxMessageBytes);
  } catch {
    return undefined;
  }
}
