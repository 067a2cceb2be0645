import { createServer, connect as dial, type Server, type Socket } from "node:net";

/** Where a {@link TcpRelay} forwards its connections. */
export interface RelayTarget {
  readonly host: string;
  readonly port: number;
}

/**
 * A local TCP proxy in front of an engine (e.g. Redis), listening on 127.0.0.1, that a test
 * can cut and bring back on the same port to play an outage: clients connected to the relay
 * see their connections drop and new ones refused until it is opened again.
 */
export class TcpRelay {
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #port = 0;

  /** A relay to `target`, not yet listening: call {@link TcpRelay.open}. */
  constructor(readonly target: RelayTarget) {}

  /** A relay to the host and port of `url`, using `defaultPort` when the URL names none. */
  static toUrl(url: string | URL, defaultPort: number): TcpRelay {
    const parsed = new URL(url);
    return new TcpRelay({ host: parsed.hostname, port: Number(parsed.port || defaultPort) });
  }

  /** The port the relay listens on; 0 until the first {@link TcpRelay.open}. */
  get port(): number {
    return this.#port;
  }

  /**
   * Starts listening and forwarding. The first call takes a free port; later calls (after
   * {@link TcpRelay.cut}) listen on that same port again, so clients can reconnect.
   */
  async open(): Promise<void> {
    if (this.#server) return;
    const server = createServer((client) => {
      const upstream = dial(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on("close", () => this.#sockets.delete(socket));
        socket.on("error", () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === "object") this.#port = address.port;
    this.#server = server;
  }

  /** Destroys every relayed connection and stops listening. Safe to call when already cut. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}
