import type { ServerResponse } from "node:http";
import { cors } from "@connectrpc/connect";
import type { NodeHandlerFn } from "./connect.js";

type AnyRequest = Parameters<NodeHandlerFn>[0];
type AnyResponse = Parameters<NodeHandlerFn>[1];

/** Request headers browsers may send: Connect's and gRPC-Web's, plus our credentials. */
export const corsAllowedHeaders: readonly string[] = unique([
  ...cors.allowedHeaders,
  "authorization",
  "x-api-key",
  "x-request-id",
]);

/** Response headers browser scripts may read: the protocols', plus ours. */
export const corsExposedHeaders: readonly string[] = unique([
  ...cors.exposedHeaders,
  "retry-after",
  "x-request-id",
]);

/** How long browsers may cache a preflight answer, in seconds. */
export const corsMaxAgeSeconds = 7200;

/**
 * Wraps a handler with CORS for exactly `origins` (no wildcard; credentials allowed).
 * A preflight from an allowed origin is answered 204 with that origin echoed back; a
 * preflight from any other origin (every origin when none is allowed) gets 403 without
 * CORS headers, and `onRefused` is told the origin, so a browser's silent
 * "Failed to fetch" leaves a trace on the server. Other requests reach `handler`, with
 * CORS headers only when their origin is allowed.
 */
export function withCors(
  handler: NodeHandlerFn,
  origins: readonly string[],
  onRefused: (origin: string) => void = () => undefined,
): NodeHandlerFn {
  const allowed = new Set(origins);
  const preflightHeaders = {
    "access-control-allow-methods": cors.allowedMethods.join(", "),
    "access-control-allow-headers": corsAllowedHeaders.join(", "),
    "access-control-allow-credentials": "true",
    "access-control-max-age": String(corsMaxAgeSeconds),
  };
  const exposed = corsExposedHeaders.join(", ");
  return (request: AnyRequest, response: AnyResponse) => {
    const nodeResponse = response as ServerResponse;
    nodeResponse.setHeader("vary", "Origin");
    const origin = request.headers.origin;
    if (origin === undefined) return handler(request, response);
    const isAllowed = allowed.has(origin);
    if (request.method === "OPTIONS" && request.headers["access-control-request-method"]) {
      if (!isAllowed) onRefused(origin);
      nodeResponse.writeHead(
        isAllowed ? 204 : 403,
        isAllowed ? { ...preflightHeaders, "access-control-allow-origin": origin } : {},
      );
      response.end();
      return;
    }
    if (isAllowed) {
      nodeResponse.setHeader("access-control-allow-origin", origin);
      nodeResponse.setHeader("access-control-allow-credentials", "true");
      nodeResponse.setHeader("access-control-expose-headers", exposed);
    }
    return handler(request, response);
  };
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names.map((name) => name.toLowerCase()))];
}

/**
 * Reports each refused origin at most once per `periodMs`, so a page retrying in a loop
 * does not flood the log.
 */
export function oncePerOrigin(
  report: (origin: string) => void,
  periodMs = 60_000,
  now: () => number = Date.now,
): (origin: string) => void {
  const last = new Map<string, number>();
  return (origin) => {
    const at = now();
    const previous = last.get(origin);
    if (previous !== undefined && at - previous < periodMs) return;
    if (last.size >= 1_000) last.clear();
    last.set(origin, at);
    report(origin);
  };
}
