import type { RequestListener, ServerResponse } from "node:http";
import { createSecureServer } from "node:http2";
import type { Server, Socket } from "node:net";
import type { Server as TlsServer } from "node:tls";
import { createServer } from "@httptoolkit/httpolyglot";
import type { HealthMonitor } from "../health.js";
import type { NodeHandlerFn } from "./connect.js";
import { type ConnectionTimeouts, enforceConnectionTimeouts } from "./connection-timeouts.js";
import { withCors } from "./cors.js";
import { endResetFloods } from "./reset-floods.js";
import { httpTlsOptions, type LoadedTls, secureContextOf } from "./tls.js";

type AnyRequest = Parameters<NodeHandlerFn>[0];
type AnyResponse = Parameters<NodeHandlerFn>[1];

/**
 * Serves what is not an RPC on the HTTP port: `/healthz` (liveness: the process
 * answers), `/readyz` (readiness: every engine answers; 503 otherwise). A gRPC or
 * gRPC-Web call of an unknown method gets grpc-status UNIMPLEMENTED, as gRPC clients
 * expect; a Connect POST a 404 with code `unimplemented`; anything else a 404 with a JSON
 * body.
 */
export function createOperationsHandler(health: HealthMonitor): NodeHandlerFn {
  return (request: AnyRequest, response: AnyResponse) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method === "GET" && path === "/healthz") {
      return sendJson(response, 200, { status: "ok" });
    }
    if (request.method === "GET" && path === "/readyz") {
      const readiness = health.readiness;
      return sendJson(response, readiness.ready ? 200 : 503, {
        status: readiness.ready ? "ready" : "not ready",
        services: Object.fromEntries(
          Object.entries(readiness.services).map(([name, { ready }]) => [name, { ready }]),
        ),
      });
    }
    const contentType = String(request.headers["content-type"] ?? "");
    const message = `no route for ${request.method} ${path}`;
    if (request.method === "POST" && contentType.startsWith("application/grpc")) {
      return sendGrpcStatus(response, contentType, unimplemented, `unknown method ${path}`);
    }
    if (request.method === "POST")
      return sendJson(response, 404, { code: "unimplemented", message });
    return sendJson(response, 404, { code: "not_found", message });
  };
}

/** `UNIMPLEMENTED`, gRPC's status for a method the server does not have. */
const unimplemented = 12;

/**
 * A trailers-only gRPC (or gRPC-Web) answer: HTTP 200 with the status in the headers, as
 * gRPC clients expect for a method that does not exist (not an HTTP 404).
 */
function sendGrpcStatus(
  response: AnyResponse,
  contentType: string,
  status: number,
  message: string,
): void {
  (response as ServerResponse).writeHead(200, {
    "content-type": contentType.startsWith("application/grpc-web")
      ? "application/grpc-web+proto"
      : "application/grpc",
    "grpc-status": String(status),
    "grpc-message": encodeURIComponent(message),
  });
  response.end();
}

function sendJson(response: AnyResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  (response as ServerResponse).writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  response.end(text);
}

/** The HTTP port's server with a graceful close. */
export interface HttpServer {
  readonly server: Server;
  /**
   * Stops accepting connections, lets requests in flight finish for up to `graceMs`
   * (calling `abortCalls` when that time is up), then closes every connection.
   */
  close(graceMs: number, abortCalls: () => void): Promise<void>;
  /** New handshakes use `tls` from now on (a TLS port only; open connections keep theirs). */
  reloadTls(tls: LoadedTls): void;
}

/** Options of {@link createHttpServer}. */
export interface HttpServerOptions {
  /**
   * TLS for the port: it then serves only TLS, h2 and HTTP/1.1 chosen by ALPN. Default:
   * plaintext HTTP/1.1 and h2c.
   */
  readonly tls?: LoadedTls;
  /** Exact browser origins allowed by CORS (see `withCors`). Default: none. */
  readonly corsOrigins?: readonly string[];
  /** Told the origin of a refused CORS preflight. */
  readonly onCorsRefused?: (origin: string) => void;
  /** Calls one HTTP/2 connection may have open at once. Default: Node's (no limit). */
  readonly maxConcurrentStreams?: number;
  /** How long a connection may wait for its first request, and idle; none when absent. */
  readonly timeouts?: ConnectionTimeouts;
  /** Streams an HTTP/2 peer may reset per second before its session is ended; no cap when absent. */
  readonly maxResetsPerSecond?: number;
}

/**
 * The HTTP port. Without TLS, one port for HTTP/1.1 and h2c (prior knowledge), as
 * httpolyglot detects them; with TLS, Node's HTTP/2 server with HTTP/1.1 fallback, which
 * refuses plaintext, so no credential reaches a TLS port unencrypted.
 */
export function createHttpServer(
  handler: NodeHandlerFn,
  options: HttpServerOptions = {},
): HttpServer {
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const served = withCors(handler, options.corsOrigins ?? [], options.onCorsRefused);
  let watchRequest: ((request: AnyRequest, response: AnyResponse) => void) | undefined;
  const listener = (request: AnyRequest, response: AnyResponse) => {
    watchRequest?.(request, response);
    inFlight++;
    response.once("close", () => {
      inFlight--;
      if (inFlight === 0) idle?.();
    });
    served(request, response);
  };
  const http2 =
    options.maxConcurrentStreams === undefined
      ? {}
      : { settings: { maxConcurrentStreams: options.maxConcurrentStreams } };
  const server: Server =
    options.tls === undefined
      ? createServer({ http2 }, listener as unknown as RequestListener)
      : createSecureServer({ ...httpTlsOptions(options.tls), ...http2 }, listener);
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  if (options.timeouts !== undefined) {
    watchRequest = enforceConnectionTimeouts(server, options.timeouts);
  }
  if (options.maxResetsPerSecond !== undefined) endResetFloods(server, options.maxResetsPerSecond);
  return {
    server,
    reloadTls(tls) {
      if ("setSecureContext" in server)
        (server as TlsServer).setSecureContext(secureContextOf(tls));
    },
    async close(graceMs, abortCalls) {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if (inFlight > 0) {
        const drained = new Promise<void>((resolve) => {
          idle = resolve;
        });
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            abortCalls();
            resolve();
          }, graceMs);
        });
        await Promise.race([drained, expired]);
        clearTimeout(timer);
      }
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
