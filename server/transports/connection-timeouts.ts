import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest, Http2Session } from "node:http2";
import type { Server, Socket } from "node:net";
import { PeerConnections } from "./peer-connections.js";

/** How long the HTTP port waits on a connection that is not serving a request. */
export interface ConnectionTimeouts {
  /**
   * `HTTP_HEADERS_TIMEOUT_MS`: from the connection's start to its first request, whose
   * headers must be complete by then (a client that sends nothing, or trickles header
   * lines, is cut off). Default 10 000.
   */
  readonly headersTimeoutMs: number;
  /**
   * `HTTP_IDLE_TIMEOUT_MS`: how long a connection may stay open without a request in
   * progress; an open stream (a `Subscribe`) keeps it, however quiet. Default 60 000.
   */
  readonly idleTimeoutMs: number;
  /**
   * `HTTP_MAX_CONNECTIONS_PER_PEER`: connections one remote address may hold open at
   * once; one more is closed as it opens. Default 256.
   */
  readonly maxConnectionsPerPeer: number;
}

/** A response, as far as the timeouts need it: told when it closes. */
interface ClosingResponse {
  once(event: "close", listener: () => void): unknown;
}

interface Tracked {
  readonly close: () => void;
  open: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Caps the connections one remote address holds on the HTTP port, and closes those that
 * serve no request for too long: the first request must arrive within
 * `headersTimeoutMs`, and between requests (HTTP/1.1) or streams (HTTP/2) a connection
 * may idle for `idleTimeoutMs`. Deadlines are absolute, so trickling bytes does not
 * extend them.
 *
 * A TCP connection is timed from its start until it turns out to be HTTP/2 (its session
 * is then timed instead, by its streams), completes TLS (which must happen within the
 * headers timeout), or serves an HTTP/1.1 request (matched by remote address and port).
 * An HTTP/2 session is told from the socket it runs on by event order: Node emits
 * `session` while handing the socket to the HTTP/2 server, just before this server's own
 * `connection` listener sees that socket again.
 * Returns the hook the request listener calls for every request.
 */
export function enforceConnectionTimeouts(
  server: Server,
  timeouts: ConnectionTimeouts,
): (request: IncomingMessage | Http2ServerRequest, response: ClosingResponse) => void {
  const connections = new Map<string, Tracked>();
  const peers = new PeerConnections(timeouts.maxConnectionsPerPeer);
  const socketKeys = new WeakMap<Socket, string>();
  let sessionBeingSetUp: Http2Session | undefined;
  const arm = (tracked: Tracked, ms: number): void => {
    clearTimeout(tracked.timer);
    tracked.timer = setTimeout(tracked.close, ms);
    tracked.timer.unref();
  };
  const disarm = (tracked: Tracked | undefined): void => {
    if (tracked === undefined) return;
    clearTimeout(tracked.timer);
    tracked.timer = undefined;
  };
  const started = (tracked: Tracked | undefined): (() => void) => {
    if (tracked === undefined) return () => undefined;
    tracked.open += 1;
    disarm(tracked);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      tracked.open -= 1;
      if (tracked.open === 0) arm(tracked, timeouts.idleTimeoutMs);
    };
  };
  const keyOf = (socket: Socket): string => `${socket.remoteAddress}:${socket.remotePort}`;

  server.on("connection", (socket: Socket) => {
    const seenKey = socketKeys.get(socket);
    if (seenKey !== undefined) {
      if (sessionBeingSetUp !== undefined) {
        sessionBeingSetUp = undefined;
        disarm(connections.get(seenKey));
      }
      return;
    }
    const key = keyOf(socket);
    socketKeys.set(socket, key);
    if (!peers.admit(socket)) return;
    const tracked: Tracked = { close: () => socket.destroy(), open: 0, timer: undefined };
    connections.set(key, tracked);
    arm(tracked, timeouts.headersTimeoutMs);
    socket.once("close", () => {
      clearTimeout(tracked.timer);
      if (connections.get(key) === tracked) connections.delete(key);
    });
  });
  server.on("secureConnection", (socket: Socket) => disarm(connections.get(keyOf(socket))));
  server.on("session", (session: Http2Session) => {
    sessionBeingSetUp = session;
    const tracked: Tracked = { close: () => session.destroy(), open: 0, timer: undefined };
    arm(tracked, timeouts.headersTimeoutMs);
    session.once("close", () => disarm(tracked));
    session.on("stream", (stream) => stream.once("close", started(tracked)));
  });
  return (request, response) => {
    if (request.httpVersionMajor >= 2) return;
    response.once("close", started(connections.get(keyOf(request.socket))));
  };
}
