import type { DescMethod } from "@bufbuild/protobuf";

/** What the HTTP port answered: the HTTP status (0 when no answer came) and the RPC's code. */
export interface HttpAnswer {
  readonly status: number;
  /** Connect's error code (`invalid_argument`…), or the gRPC-Web status number; "" on success. */
  readonly code: string;
  /** The body as text, for the failure report. */
  readonly text: string;
}

/** Where and as whom the HTTP port is called. */
export interface HttpTarget {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly deadlineMs: number;
}

/** The body formats the HTTP port is fuzzed with. */
export type HttpBodyKind = "connect-json" | "connect-proto" | "grpc-web";

const contentTypes: Readonly<Record<HttpBodyKind, string>> = {
  "connect-json": "application/json",
  "connect-proto": "application/proto",
  "grpc-web": "application/grpc-web+proto",
};

/**
 * POSTs one unary request body to `method` on the HTTP port. A gRPC-Web body is framed
 * here (one uncompressed message); Connect bodies are sent as they are.
 */
export async function postUnary(
  target: HttpTarget,
  method: DescMethod,
  kind: HttpBodyKind,
  body: string | Uint8Array,
): Promise<HttpAnswer> {
  const url = `${target.baseUrl}/${method.parent.typeName}/${method.name}`;
  const headers: Record<string, string> = {
    "content-type": contentTypes[kind],
    authorization: `Bearer ${target.apiKey}`,
  };
  if (kind === "grpc-web") headers["x-grpc-web"] = "1";
  else headers["connect-protocol-version"] = "1";
  try {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body: kind === "grpc-web" ? grpcWebFrame(body) : body,
      signal: AbortSignal.timeout(target.deadlineMs),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    const text = bytes.toString("latin1");
    const code =
      kind === "grpc-web"
        ? grpcWebStatus(response.headers, text)
        : response.status === 200
          ? ""
          : connectCode(text);
    return { status: response.status, code, text };
  } catch (error) {
    return { status: 0, code: "no answer", text: String(error) };
  }
}

/** Whether an answer breaks the contract: no answer, HTTP 500, internal, unknown or a stack. */
export function brokenAnswer(answer: HttpAnswer): boolean {
  return (
    answer.status === 0 ||
    answer.status === 500 ||
    ["internal", "unknown", "13", "2"].includes(answer.code) ||
    answer.text.includes("    at ")
  );
}

function grpcWebFrame(body: string | Uint8Array): Uint8Array {
  const message = typeof body === "string" ? Buffer.from(body) : body;
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/** `grpc-status` from the headers (trailers-only answer) or from the trailer frame. */
function grpcWebStatus(headers: Headers, body: string): string {
  const status = headers.get("grpc-status") ?? /grpc-status:\s*(\d+)/i.exec(body)?.[1];
  return status === undefined || status === null || status === "0" ? "" : status;
}

/** The `code` of a Connect error body, or why there is none. */
function connectCode(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && "code" in parsed)
      return String(parsed.code);
  } catch {
    return "unparsable body";
  }
  return "no code";
}
