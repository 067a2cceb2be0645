import type { RedisConnection } from "../../redis/connection.js";
import {
  type Claim,
  claimValue,
  type IdempotencyIndex,
  parseStoredValue,
  positionValue,
  type RecordedEntry,
} from "./index.js";

/** Options of {@link RedisIdempotencyIndex}. */
export interface RedisIdempotencyIndexOptions {
  /** Prefix of every key the index writes. Default `"ragplane:idem:"`. */
  readonly keyPrefix?: string;
}

/** SET NX per id; an id that is taken answers its value (a claim, or a recorded position). */
const claimScript = `
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[1], 'NX', 'PX', ARGV[2]) then
    out[i] = ''
  else
    local value = redis.call('GET', key)
    if value == ARGV[1] then
      redis.call('PEXPIRE', key, ARGV[2])
      out[i] = ''
    else
      out[i] = value or ''
    end
  end
end
return out`;

/** Replaces the caller's own claim (or nothing) with the position; leaves others' values. */
const recordScript = `
for i, key in ipairs(KEYS) do
  local value = redis.call('GET', key)
  if (not value) or value == ARGV[1] then
    redis.call('SET', key, ARGV[i + 2], 'PX', ARGV[2])
  end
end
return #KEYS`;

/** Deletes the caller's own claims only. */
const releaseScript = `
local released = 0
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('DEL', key)
    released = released + 1
  end
end
return released`;

/**
 * The idempotency index in Redis, shared by every replica and kept across restarts (as
 * long as Redis keeps its data). One key per (scope, id), `<prefix>{<scope>}:<id>`,
 * holding a claim (`c:<owner>`, expiring after the claim TTL) or a position
 * (`r:<partition>:<offset>`, expiring after the idempotency window). Each call is one
 * Lua script, atomic over the batch; the `{scope}` hash tag keeps a batch's keys in one
 * Redis Cluster slot. Failures are `EngineUnavailableError` / `EngineTimeoutError`.
 */
export class RedisIdempotencyIndex implements IdempotencyIndex {
  readonly #redis: RedisConnection;
  readonly #keyPrefix: string;

  constructor(redis: RedisConnection, options: RedisIdempotencyIndexOptions = {}) {
    this.#redis = redis;
    this.#keyPrefix = options.keyPrefix ?? "ragplane:idem:";
  }

  /** The Redis key that holds `id` of `scope`. */
  key(scope: string, id: string): string {
    return `${this.#keyPrefix}{${scope}}:${id}`;
  }

  async claim(
    scope: string,
    ids: readonly string[],
    owner: string,
    ttlMs: number,
  ): Promise<Claim[]> {
    if (ids.length === 0) return [];
    const keys = ids.map((id) => this.key(scope, id));
    const reply = await this.#eval(claimScript, keys, [claimValue(owner), String(ttlMs)], false);
    if (!Array.isArray(reply) || reply.length !== ids.length) {
      throw new Error(`unexpected reply to the claim script: ${String(reply)}`);
    }
    return reply.map((value): Claim => {
      const text = typeof value === "string" ? value : String(value);
      return text === "" ? { kind: "claimed" } : parseStoredValue(text);
    });
  }

  async record(
    scope: string,
    entries: readonly RecordedEntry[],
    owner: string,
    ttlMs: number,
  ): Promise<void> {
    if (entries.length === 0) return;
    const keys = entries.map((entry) => this.key(scope, entry.id));
    const values = entries.map((entry) => positionValue(entry.position));
    await this.#eval(recordScript, keys, [claimValue(owner), String(ttlMs), ...values], true);
  }

  async release(scope: string, ids: readonly string[], owner: string): Promise<void> {
    if (ids.length === 0) return;
    const keys = ids.map((id) => this.key(scope, id));
    await this.#eval(releaseScript, keys, [claimValue(owner)], true);
  }

  /**
   * Runs a script under Redis's policy. A claim is not repeated (an unanswered claim may
   * have been taken, and a second one would find it held); recording and releasing are.
   */
  #eval(
    script: string,
    keys: readonly string[],
    args: readonly string[],
    idempotent: boolean,
  ): Promise<unknown> {
    return this.#redis.run((client) => client.eval(script, keys.length, ...keys, ...args), {
      idempotent,
    });
  }
}
