import { connect } from "node:http2";

/** What a raw call was answered: its status (gRPC number or Connect code) and message. */
export interface RawAnswer {
  /** The gRPC status number or the Connect error code; undefined for a Connect success. */
  readonly status: string | undefined;
  readonly message: string;
}

/** Where and as whom a raw call is sent. */
export interface RawTarget {
  readonly port: number;
  readonly apiKey: string;
}

/** One message in the gRPC / Connect envelope: flags byte, length, bytes. */
export function envelope(flags: number, data: Uint8Array): Buffer {
  const framed = Buffer.alloc(5 + data.length);
  framed[0] = flags;
  framed.writeUInt32BE(data.length, 1);
  framed.set(data, 5);
  return framed;
}

/**
 * Sends one raw HTTP/2 POST, bytes exactly as given, and reads its status wherever the
 * protocol puts it: gRPC headers or trailers, the gRPC-Web trailer frame, the Connect
 * error body or end-stream message.
 */
export function rawCall(
  target: RawTarget,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${target.port}`);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      te: "trailers",
      authorization: `Bearer ${target.apiKey}`,
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
      const text = Buffer.concat(chunks).toString("utf8");
      for (const match of text.matchAll(/(grpc-status|grpc-message): *([^\r\n]*)/g)) {
        fields.set(match[1] as string, match[2] as string);
      }
      resolve(
        connectError(text) ?? {
          status: fields.get("grpc-status"),
          message: decodeURIComponent(fields.get("grpc-message") ?? ""),
        },
      );
    });
    stream.end(body);
  });
}

/** The error of a Connect unary error body or of an end-stream message. */
function connectError(text: string): RawAnswer | undefined {
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
