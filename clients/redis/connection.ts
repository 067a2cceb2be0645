import { Redis } from "ioredis";
import { EngineUnavailableError } from "../errors.js";
import type { EngineHealth } from "../health.js";
import { positiveNumber } from "../options.js";
import type { EnginePolicy, PolicyCallOptions } from "../resilience/engine-policy.js";
import { type EngineTlsOptions, tlsConnectOptions } from "../tls.js";
import { redisEngine, toRedisError } from "./errors.js";
import { redisPolicy } from "./policy.js";

/** How to reach Redis and how long to wait for it. */
export interface RedisConnectionOptions {
  /** A `redis://` or `rediss://` URL, with credentials and database number if needed. */
  readonly url: string;
  /** The password, when the URL holds none (with the URL's user, else `default`). */
  readonly password?: string;
  /**
   * What a `rediss://` link trusts and presents: `tls.ca` verifies Redis's certificate
   * (default: Node's CAs), `tls.cert` and `tls.key` answer `tls-auth-clients`.
   */
  readonly tls?: EngineTlsOptions;
  /** Longest wait for the first connection (socket and handshake), in ms. Default 2000. */
  readonly connectTimeoutMs?: number;
  /** Longest wait for any command's reply, in ms. Default 1000. */
  readonly commandTimeoutMs?: number;
  /** Longest pause between reconnection attempts after the connection drops, in ms. Default 2000. */
  readonly maxReconnectDelayMs?: number;
  /** Receives connection errors that happen between commands. Default: ignored. */
  readonly onError?: (error: unknown) => void;
  /** The resilience policy of every command; default `redisPolicy` from `commandTimeoutMs`. */
  readonly policy?: EnginePolicy;
}

/**
 * One ioredis client, configured to fail fast: while Redis is unreachable a command
 * fails at once with `EngineUnavailableError` (no offline queue, no retry of its own)
 * instead of waiting, and the client keeps reconnecting in the background with capped
 * exponential backoff. Modules that keep data in Redis send their commands through
 * {@link RedisConnection.run}, under Redis's `EnginePolicy` (`policy.ts`).
 */
export class RedisConnection {
  readonly #client: Redis;
  readonly #policy: EnginePolicy;
  #closed = false;

  private constructor(client: Redis, policy: EnginePolicy) {
    this.#client = client;
    this.#policy = policy;
  }

  /**
   * Connects and waits until Redis answers. Throws `EngineUnavailableError` if it cannot
   * connect within `connectTimeoutMs`, its cause the last failure seen (a refused
   * connection, a certificate that does not verify, a refused password); nothing is left
   * running then.
   */
  static async connect(options: RedisConnectionOptions): Promise<RedisConnection> {
    const connectTimeoutMs = positiveNumber(options.connectTimeoutMs ?? 2000, "connectTimeoutMs");
    const commandTimeoutMs = positiveNumber(options.commandTimeoutMs ?? 1000, "commandTimeoutMs");
    const maxDelayMs = positiveNumber(options.maxReconnectDelayMs ?? 2000, "maxReconnectDelayMs");
    if (options.tls !== undefined && !options.url.startsWith("rediss:")) {
      throw new RangeError("tls needs a rediss:// url");
    }
    const client = new Redis(withPassword(options.url, options.password), {
      ...(options.tls === undefined ? {} : { tls: tlsConnectOptions(options.tls) }),
      lazyConnect: true,
      connectTimeout: connectTimeoutMs,
      commandTimeout: commandTimeoutMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), maxDelayMs),
    });
    let lastError: unknown;
    client.on("error", (error: unknown) => {
      lastError = error;
      options.onError?.(error);
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error("connect ETIMEDOUT"), { code: "ETIMEDOUT" })),
        connectTimeoutMs,
      );
    });
    try {
      await Promise.race([client.connect(), deadline]);
      return new RedisConnection(client, options.policy ?? redisPolicy({ commandTimeoutMs }));
    } catch (error) {
      client.disconnect();
      throw new EngineUnavailableError(redisEngine, { cause: lastError ?? error });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The ioredis client, for libraries that drive it themselves (the rate limiter, which
   * falls back to memory on any failure). Commands of ragplane's own go through `run`.
   */
  get client(): Redis {
    return this.#client;
  }

  /** The policy every command of `run` goes through. */
  get policy(): EnginePolicy {
    return this.#policy;
  }

  /** Sends one or more commands under Redis's policy; failures leave as domain errors. */
  async run<T>(command: (client: Redis) => Promise<T>, options: PolicyCallOptions): Promise<T> {
    try {
      return await this.#policy.run(() => command(this.#client), options);
    } catch (error) {
      throw toRedisError(error);
    }
  }

  /** PINGs Redis. Never throws. */
  async health(): Promise<EngineHealth> {
    if (this.#closed) return { ok: false, detail: "closed" };
    try {
      const reply = await this.run((client) => client.ping(), { idempotent: false });
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

function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  const parsed = new URL(url);
  if (parsed.password !== "")
    throw new RangeError("pass the password in the url or apart, not both");
  parsed.password = encodeURIComponent(password);
  return parsed.href;
}
