import { createServer, connect as dial, type Server, type Socket } from "node:net";

/** Where a {@link TcpRelay} forwards its connections. */
export interface RelayTarget {
  readonly host: string;
  readonly port: number;
}

/** One client connection and, once it is forwarded, its connection to the target. */
interface Relayed {
  readonly client: Socket;
  upstream?: Socket;
}

/**
 * A local TCP proxy in front of an engine (e.g. Redis), listening on 127.0.0.1, that a test
 * can use to play two kinds of outage:
 *
 * - {@link TcpRelay.cut}: clients see their connections drop and new ones refused until it
 *   is opened again on the same port;
 * - {@link TcpRelay.blackhole}: every connection stays open and new ones are accepted, but
 *   no byte goes through in either direction (a partition or a hung engine) until
 *   {@link TcpRelay.restore}, which delivers what was held back, in order, as TCP would
 *   after a partition heals.
 *
 * When one side of a forwarded connection closes or fails, the other side is closed or
 * reset too (unless blackholed), so an engine that dies is seen to die.
 */
export class TcpRelay {
  readonly #relayed = new Set<Relayed>();
  #server: Server | undefined;
  #port = 0;
  #blackholed = false;

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

  /** Whether bytes are held back (see {@link TcpRelay.blackhole}). */
  get blackholed(): boolean {
    return this.#blackholed;
  }

  /**
   * Starts listening and forwarding. The first call takes a free port; later calls (after
   * {@link TcpRelay.cut}) listen on that same port again, so clients can reconnect.
   */
  async open(): Promise<void> {
    if (this.#server) return;
    const server = createServer((client) => {
      const relayed: Relayed = { client };
      this.#relayed.add(relayed);
      client.pause();
      client.on("error", () => client.destroy());
      client.on("close", (hadError) => this.#closed(relayed, hadError));
      if (!this.#blackholed) this.#forward(relayed);
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
    for (const { client, upstream } of this.#relayed) {
      client.destroy();
      upstream?.destroy();
    }
    this.#relayed.clear();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  /**
   * Stops forwarding without closing anything: both directions of every connection are
   * held (read no further, so the senders' buffers fill), and new connections are accepted
   * but not forwarded. Idempotent.
   */
  blackhole(): void {
    this.#blackholed = true;
    for (const { client, upstream } of this.#relayed) {
      if (upstream === undefined) continue;
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  /**
   * Forwards again, after {@link TcpRelay.blackhole}: what was held back goes through, new
   * connections held meanwhile reach the target, and connections whose other side closed
   * meanwhile are closed now. Idempotent.
   */
  restore(): void {
    if (!this.#blackholed) return;
    this.#blackholed = false;
    for (const relayed of [...this.#relayed]) {
      const { client, upstream } = relayed;
      if (upstream === undefined) {
        this.#forward(relayed);
      } else if (client.destroyed || upstream.destroyed) {
        this.#closed(relayed, true);
      } else {
        client.pipe(upstream);
        upstream.pipe(client);
      }
    }
  }

  #forward(relayed: Relayed): void {
    const { client } = relayed;
    if (client.destroyed) {
      this.#relayed.delete(relayed);
      return;
    }
    const upstream = dial(this.target.port, this.target.host);
    relayed.upstream = upstream;
    upstream.on("error", () => upstream.destroy());
    upstream.on("close", (hadError) => this.#closed(relayed, hadError));
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /**
   * One side of `relayed` closed: the other is ended (after a clean close, so what it
   * still has to write goes out) or destroyed (after a failure), unless bytes are held back.
   */
  #closed(relayed: Relayed, failed: boolean): void {
    if (this.#blackholed) return;
    const { client, upstream } = relayed;
    for (const socket of [client, upstream]) {
      if (failed) socket?.destroy();
      else socket?.end();
    }
    if (client.destroyed && (upstream === undefined || upstream.destroyed)) {
      this.#relayed.delete(relayed);
    }
  }
}
