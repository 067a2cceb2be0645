import { Redis } from "ioredis";
import { EngineTimeoutError, EngineUnavailableError } from "../errors.js";
import type { EngineHealth } from "../health.js";

/** The engine name carried by the `EngineUnavailableError` / `EngineTimeoutError` of Redis calls. */
export const redisEngine = "redis";

/** How to reach Redis and how long to wait for it. */
export interface RedisConnectionOptions {
  /** A `redis://` or `rediss://` URL, with credentials and database number if needed. */
  readonly url: string;
  /** Longest wait for the first connection (socket and handshake), in ms. Default 2000. */
  readonly connectTimeoutMs?: number;
  /** Longest wait for any command's reply, in ms. Default 1000. */
  readonly commandTimeoutMs?: number;
  /** Longest pause between reconnection attempts after the connection drops, in ms. Default 2000. */
  readonly maxReconnectDelayMs?: number;
  /** Receives connection errors that happen between commands. Default: ignored. */
  readonly onError?: (error: unknown) => void;
}

/**
 * One ioredis client, configured to fail fast: while Redis is unreachable a command
 * fails at once with `EngineUnavailableError` (no offline queue, one retry per command)
 * instead of waiting, and the client keeps reconnecting in the background with capped
 * exponential backoff. Modules that need Redis take a `RedisConnection` and use
 * {@link RedisConnection.client}; they map failures with {@link toRedisError}.
 */
export class RedisConnection {
  readonly #client: Redis;
  #closed = false;

  private constructor(client: Redis) {
    this.#client = client;
  }

  /**
   * Connects and waits until Redis answers. Throws `EngineUnavailableError` if it cannot
   * connect within `connectTimeoutMs`; nothing is left running then.
   */
  static async connect(options: RedisConnectionOptions): Promise<RedisConnection> {
    const connectTimeoutMs = positive(options.connectTimeoutMs ?? 2000, "connectTimeoutMs");
    const commandTimeoutMs = positive(options.commandTimeoutMs ?? 1000, "commandTimeoutMs");
    const maxDelayMs = positive(options.maxReconnectDelayMs ?? 2000, "maxReconnectDelayMs");
    const client = new Redis(options.url, {
      lazyConnect: true,
      connectTimeout: connectTimeoutMs,
      commandTimeout: commandTimeoutMs,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), maxDelayMs),
    });
    client.on("error", (error: unknown) => options.onError?.(error));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error("connect ETIMEDOUT"), { code: "ETIMEDOUT" })),
        connectTimeoutMs,
      );
    });
    try {
      await Promise.race([client.connect(), deadline]);
      return new RedisConnection(client);
    } catch (error) {
      client.disconnect();
      throw new EngineUnavailableError(redisEngine, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /** The ioredis client, for modules that keep their data in Redis. */
  get client(): Redis {
    return this.#client;
  }

  /** PINGs Redis. Never throws. */
  async health(): Promise<EngineHealth> {
    if (this.#closed) return { ok: false, detail: "closed" };
    try {
      const reply = await this.#client.ping();
      return reply === "PONG" ? { ok: true } : { ok: false, detail: `PING answered ${reply}` };
    } catch (error) {
      const mapped = toRedisError(error);
      return { ok: false, detail: mapped instanceof Error ? mapped.message : "redis failed" };
    }
  }

  /** Closes the connection (pending replies are dropped). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#client.quit();
    } catch {
      this.#client.disconnect();
    }
  }
}

const unavailableCodes: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
]);

const unavailableMessages =
  /^(Connection is closed|Stream isn't writeable|Reached the max retries per request|LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|NOAUTH|WRONGPASS)/;

/**
 * Maps an ioredis failure to a domain error: a command that got no reply in time
 * (`commandTimeoutMs`) is `EngineTimeoutError`; no connection, a dropped one, or a
 * server that cannot serve now (loading, read-only replica, cluster down, auth) is
 * `EngineUnavailableError`. Anything else (a bug, a wrong command) is returned as is.
 */
export function toRedisError(error: unknown): unknown {
  if (error instanceof EngineTimeoutError || error instanceof EngineUnavailableError) return error;
  if (!(error instanceof Error)) return error;
  if (error.message === "Command timed out") {
    return new EngineTimeoutError(redisEngine, { cause: error });
  }
  const code = (error as { code?: unknown }).code;
  if (
    (typeof code === "string" && unavailableCodes.has(code)) ||
    error.name === "MaxRetriesPerRequestError" ||
    unavailableMessages.test(error.message)
  ) {
    return new EngineUnavailableError(redisEngine, { cause: error });
  }
  return error;
}

function positive(value: number, option: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${option} must be a positive number, got ${value}`);
  }
  return value;
}
