import { throwIfAborted } from "../../errors.js";
import type { EngineHealth } from "../../health.js";
import type { RedisConnection } from "../../redis/connection.js";
import {
  checkKeyNames,
  type DataKeyPage,
  type DataKeyPageRequest,
  type DataKeyRecord,
  type DataKeyStore,
  type TenantDataKeyRecord,
} from "../port.js";

/** What {@link RedisDataKeyStore} needs. */
export interface RedisDataKeyStoreOptions {
  /** The shared Redis connection; it stays open when the store is closed. */
  readonly redis: RedisConnection;
  /** Prefix of the store's keys. Default `rp:`. */
  readonly keyPrefix?: string;
}

const createScript = `
local id = redis.call('HGET', KEYS[2], ARGV[1])
if id then
  local existing = redis.call('HGET', KEYS[1], ARGV[2] .. id)
  if existing then return {id, existing} end
  redis.call('HDEL', KEYS[2], ARGV[1])
end
if redis.call('HEXISTS', KEYS[1], ARGV[2] .. ARGV[3]) == 1 then
  return redis.error_reply('ERR data key id taken')
end
redis.call('HSET', KEYS[1], ARGV[2] .. ARGV[3], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[3], 0, ARGV[2] .. ARGV[3])
return {ARGV[3], ARGV[4]}
`;

const deleteScript = `
local id = redis.call('HGET', KEYS[2], ARGV[1])
if not id then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[2] .. id)
redis.call('ZREM', KEYS[3], ARGV[2] .. id)
return 1
`;

const replaceScript = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local record = cjson.decode(raw)
if record.k ~= ARGV[2] then return 0 end
record.w = ARGV[3]
record.k = ARGV[4]
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(record))
return 1
`;

/** A record as stored: `w` the wrapped key (base64), `k` the KEK id, `c` the creation time. */
interface StoredValue {
  readonly w: string;
  readonly k: string;
  readonly c: string;
}

/**
 * The data key store shared by replicas, in Redis (one hash tag, `{dk}`, so a cluster keeps
 * it in one slot):
 *
 * - `<prefix>{dk}:records`, a hash of `<tenant>\0<id>` to the record as JSON;
 * - `<prefix>{dk}:names`, a hash of `<tenant>\0<name>` to the id;
 * - `<prefix>{dk}:index`, a sorted set of every `<tenant>\0<id>` (all of score 0), which
 *   {@link RedisDataKeyStore.list} pages through in lexical order.
 *
 * Creates, deletes and compare-and-sets are Lua scripts, atomic in Redis. A deleted
 * record is gone from Redis's memory at once, and from its persistence files once they are
 * rewritten (RDB save, AOF rewrite): until then they hold it, wrapped by the KEK.
 */
export class RedisDataKeyStore implements DataKeyStore {
  readonly #redis: RedisConnection;
  readonly #keys: readonly [string, string, string];

  constructor(options: RedisDataKeyStoreOptions) {
    this.#redis = options.redis;
    const base = `${options.keyPrefix ?? "rp:"}{dk}:`;
    this.#keys = [`${base}records`, `${base}names`, `${base}index`];
  }

  /** The Redis keys the store uses: records, names, index. */
  get keys(): readonly string[] {
    return this.#keys;
  }

  async getById(
    tenant: string,
    id: string,
    signal?: AbortSignal,
  ): Promise<DataKeyRecord | undefined> {
    throwIfAborted(signal);
    const raw = await this.#redis.run((client) => client.hget(this.#keys[0], field(tenant, id)), {
      idempotent: true,
      signal,
    });
    return raw === null ? undefined : decode(id, raw);
  }

  async getByName(
    tenant: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<DataKeyRecord | undefined> {
    throwIfAborted(signal);
    const id = await this.#redis.run((client) => client.hget(this.#keys[1], field(tenant, name)), {
      idempotent: true,
      signal,
    });
    return id === null ? undefined : this.getById(tenant, id, signal);
  }

  async createIfAbsent(
    tenant: string,
    name: string,
    record: DataKeyRecord,
    signal?: AbortSignal,
  ): Promise<DataKeyRecord> {
    checkKeyNames(tenant, name, record.id);
    throwIfAborted(signal);
    const reply = (await this.#eval(
      createScript,
      [field(tenant, name), field(tenant, ""), record.id, encode(record)],
      signal,
    )) as [string, string];
    return decode(reply[0], reply[1]);
  }

  async deleteByName(tenant: string, name: string, signal?: AbortSignal): Promise<boolean> {
    throwIfAborted(signal);
    const reply = await this.#eval(deleteScript, [field(tenant, name), field(tenant, "")], signal);
    return reply === 1;
  }

  async list(page: DataKeyPageRequest, signal?: AbortSignal): Promise<DataKeyPage> {
    throwIfAborted(signal);
    if (!Number.isInteger(page.limit) || page.limit < 1) {
      throw new RangeError(`limit must be a positive integer, got ${page.limit}`);
    }
    const start = page.after === undefined ? "-" : `(${decodeCursor(page.after)}`;
    const members = await this.#redis.run(
      (client) => client.zrangebylex(this.#keys[2], start, "+", "LIMIT", 0, page.limit + 1),
      { idempotent: true, signal },
    );
    const taken = members.slice(0, page.limit);
    const values =
      taken.length === 0
        ? []
        : await this.#redis.run((client) => client.hmget(this.#keys[0], ...taken), {
            idempotent: true,
            signal,
          });
    const records: TenantDataKeyRecord[] = [];
    taken.forEach((member, index) => {
      const raw = values[index];
      if (raw === null || raw === undefined) return;
      const split = member.indexOf("\u0000");
      const tenant = member.slice(0, split);
      records.push({ tenant, ...decode(member.slice(split + 1), raw) });
    });
    const last = taken.at(-1);
    return members.length > page.limit && last !== undefined
      ? { records, next: Buffer.from(last).toString("base64url") }
      : { records };
  }

  async replaceWrapping(
    tenant: string,
    id: string,
    expectedKekId: string,
    wrapped: Uint8Array,
    kekId: string,
    signal?: AbortSignal,
  ): Promise<boolean> {
    throwIfAborted(signal);
    const reply = await this.#eval(
      replaceScript,
      [field(tenant, id), expectedKekId, Buffer.from(wrapped).toString("base64"), kekId],
      signal,
    );
    return reply === 1;
  }

  health(): Promise<EngineHealth> {
    return this.#redis.health();
  }

  /** Nothing to release: the connection is shared. */
  async close(): Promise<void> {}

  #eval(script: string, args: readonly string[], signal: AbortSignal | undefined) {
    return this.#redis.run(
      (client) => client.eval(script, this.#keys.length, ...this.#keys, ...args),
      { idempotent: true, signal },
    );
  }
}

function field(tenant: string, rest: string): string {
  return `${tenant}\u0000${rest}`;
}

function encode(record: DataKeyRecord): string {
  const value: StoredValue = {
    w: Buffer.from(record.wrapped).toString("base64"),
    k: record.kekId,
    c: String(record.createdMs),
  };
  return JSON.stringify(value);
}

function decode(id: string, raw: string): DataKeyRecord {
  const value = JSON.parse(raw) as StoredValue;
  return {
    id,
    wrapped: new Uint8Array(Buffer.from(value.w, "base64")),
    kekId: value.k,
    createdMs: Number(value.c),
  };
}

function decodeCursor(cursor: string): string {
  const member = Buffer.from(cursor, "base64url").toString("utf8");
  if (!member.includes("\u0000")) throw new RangeError("after is not a cursor of this store");
  return member;
}
