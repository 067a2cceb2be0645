import { throwIfAborted } from "../../clients/errors.js";
import type { RedisConnection } from "../../clients/redis/connection.js";
import { redisEngine } from "../../clients/redis/errors.js";
import { checkRevocation, Denylist, defaultRetentionMs } from "./denylist.js";
import type { RevocationList } from "./port.js";

/** Where {@link RedisRevocationList} reports that Redis went away and came back. */
export interface RevocationLogger {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

/** What {@link RedisRevocationList.start} needs. */
export interface RedisRevocationOptions {
  /** The shared Redis connection; it stays open when the list is closed. */
  readonly redis: RedisConnection;
  /** How often the shared set is reloaded (`REVOCATION_REFRESH_MS`), in ms. */
  readonly refreshMs: number;
  /** Prefix of the key; the set is `<prefix>revoked-jti`. Default `rp:`. */
  readonly keyPrefix?: string;
  /** Receives one warning per Redis outage, and a note when it ends. Default: silent. */
  readonly logger?: RevocationLogger;
  /** How long an entry is kept past its `expiresAt`. Default 300 000 ms (the largest skew). */
  readonly retainMs?: number;
  /** The clock, in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * The revocation list shared by replicas: a Redis sorted set `<prefix>revoked-jti` scored
 * by `expiresAt`. Each replica holds a snapshot in memory, so `isRevoked` never waits on
 * the network, and reloads it every `refreshMs`, dropping expired members on the way; a
 * revocation made on one replica therefore reaches the others within `refreshMs`. While
 * Redis is unreachable the last snapshot keeps answering and `revoke` rejects with
 * `EngineUnavailableError` (or `EngineTimeoutError` when Redis does not answer in time).
 */
export class RedisRevocationList implements RevocationList {
  readonly #redis: RedisConnection;
  readonly #key: string;
  readonly #logger: RevocationLogger | undefined;
  readonly #retainMs: number;
  readonly #now: () => number;
  readonly #denylist = new Denylist();
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #revokedDuringLoad: Map<string, number> | undefined;
  #outage = false;
  #loaded = false;
  #closed = false;

  private constructor(options: RedisRevocationOptions) {
    this.#redis = options.redis;
    this.#key = `${options.keyPrefix ?? "rp:"}revoked-jti`;
    this.#logger = options.logger;
    this.#retainMs = options.retainMs ?? defaultRetentionMs;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Loads the shared set, then follows it every `refreshMs` (an unref'd timer). When the
   * first load fails the list still starts, empty, logs the outage and keeps retrying on
   * the timer; see {@link RedisRevocationList.loaded}. Rejects only on invalid options.
   */
  static async start(options: RedisRevocationOptions): Promise<RedisRevocationList> {
    if (!Number.isFinite(options.refreshMs) || options.refreshMs <= 0) {
      throw new RangeError(`refreshMs must be a positive number, got ${options.refreshMs}`);
    }
    const list = new RedisRevocationList(options);
    await list.refresh();
    list.#timer = setInterval(() => void list.refresh(), options.refreshMs);
    list.#timer.unref();
    return list;
  }

  /** True once a snapshot has been loaded from Redis. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** The Redis key of the shared set. */
  get key(): string {
    return this.#key;
  }

  /** True when `jti` is in the latest snapshot or was revoked here since. */
  isRevoked(jti: string): boolean {
    return this.#denylist.has(jti);
  }

  /** Adds `jti` to the shared set, then to this replica's memory at once. */
  async revoke(jti: string, expiresAt: number, signal?: AbortSignal): Promise<void> {
    checkRevocation(jti, expiresAt);
    throwIfAborted(signal);
    await this.#redis.run((client) => client.zadd(this.#key, expiresAt, jti), {
      idempotent: true,
      signal,
    });
    this.#denylist.add(jti, expiresAt);
    this.#revokedDuringLoad?.set(jti, Math.max(expiresAt, this.#revokedDuringLoad.get(jti) ?? 0));
  }

  /**
   * Reloads the snapshot now (the timer calls this). Never rejects: on failure the last
   * snapshot stays and the outage is logged once. Concurrent calls share one reload.
   */
  refresh(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#refreshing ??= this.#load()
      .then(
        () => {
          if (!this.#outage) return;
          this.#outage = false;
          this.#logger?.info({ engine: redisEngine }, "revocation list: Redis is back");
        },
        (error: unknown) => {
          if (this.#outage) return;
          this.#outage = true;
          this.#logger?.warn(
            { engine: redisEngine, err: error },
            "revocation list: cannot reload from Redis; answering from the last snapshot",
          );
        },
      )
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  /** Stops following the shared set. The Redis connection stays open. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#refreshing;
  }

  async #load(): Promise<void> {
    const revokedDuringLoad = new Map<string, number>();
    this.#revokedDuringLoad = revokedDuringLoad;
    try {
      const cutoff = this.#now() - this.#retainMs;
      const replies = await this.#redis.run(
        (client) =>
          client
            .multi()
            .zremrangebyscore(this.#key, "-inf", `(${cutoff}`)
            .zrange(this.#key, "0", "-1", "WITHSCORES")
            .exec(),
        { idempotent: true },
      );
      const snapshot = parseMembers(replies?.[1]);
      for (const [jti, expiresAt] of revokedDuringLoad) {
        snapshot.set(jti, Math.max(expiresAt, snapshot.get(jti) ?? 0));
      }
      this.#denylist.replace(snapshot);
      this.#loaded = true;
    } finally {
      if (this.#revokedDuringLoad === revokedDuringLoad) this.#revokedDuringLoad = undefined;
    }
  }
}

function parseMembers(reply: [Error | null, unknown] | undefined): Map<string, number> {
  if (reply === undefined) throw new Error("revocation list: MULTI was discarded");
  const [error, value] = reply;
  if (error) throw error;
  if (!Array.isArray(value)) throw new Error("revocation list: ZRANGE answered no array");
  const items: readonly unknown[] = value;
  const members = new Map<string, number>();
  for (let i = 0; i < items.length; i += 1) {
    const item = items[i];
    if (Array.isArray(item)) {
      members.set(String(item[0]), Number(item[1]));
    } else {
      members.set(String(item), Number(items[i + 1]));
      i += 1;
    }
  }
  return members;
}
