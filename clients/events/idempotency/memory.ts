import {
  type Claim,
  claimValue,
  type IdempotencyIndex,
  parseStoredValue,
  positionValue,
  type RecordedEntry,
} from "./index.js";

/** Options of {@link MemoryIdempotencyIndex}. */
export interface MemoryIdempotencyIndexOptions {
  /**
   * Most ids kept; beyond it the oldest records are forgotten early, which shortens the
   * window for them. Default 1 000 000 (roughly 200 MB at 100-byte ids).
   */
  readonly maxEntries?: number;
  /** The clock, in ms. Default `Date.now`. */
  readonly now?: () => number;
}

interface Entry {
  readonly value: string;
  readonly expiresAt: number;
}

/**
 * The idempotency index in this process's memory. Duplicates are detected only within
 * one process's lifetime and only among the publishes that went through this object: a
 * restarted process, or another replica, writes an id again. Use it for one process
 * (laptops, tests); use `RedisIdempotencyIndex` wherever replicas or restarts must not
 * duplicate events.
 */
export class MemoryIdempotencyIndex implements IdempotencyIndex {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: MemoryIdempotencyIndexOptions = {}) {
    const maxEntries = options.maxEntries ?? 1_000_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    }
    this.#maxEntries = maxEntries;
    this.#now = options.now ?? Date.now;
  }

  /** How many ids are held (claims and records, including expired ones not yet pruned). */
  get size(): number {
    return this.#entries.size;
  }

  async claim(
    scope: string,
    ids: readonly string[],
    owner: string,
    ttlMs: number,
  ): Promise<Claim[]> {
    const now = this.#now();
    this.#prune(now);
    const mine = claimValue(owner);
    return ids.map((id): Claim => {
      const key = entryKey(scope, id);
      const current = this.#live(key, now);
      if (current === undefined || current === mine) {
        this.#set(key, mine, now + ttlMs);
        return { kind: "claimed" };
      }
      return parseStoredValue(current);
    });
  }

  async record(
    scope: string,
    entries: readonly RecordedEntry[],
    owner: string,
    ttlMs: number,
  ): Promise<void> {
    const now = this.#now();
    const mine = claimValue(owner);
    for (const { id, position } of entries) {
      const key = entryKey(scope, id);
      const current = this.#live(key, now);
      if (current === undefined || current === mine) {
        this.#set(key, positionValue(position), now + ttlMs);
      }
    }
  }

  async release(scope: string, ids: readonly string[], owner: string): Promise<void> {
    const mine = claimValue(owner);
    for (const id of ids) {
      const key = entryKey(scope, id);
      if (this.#entries.get(key)?.value === mine) this.#entries.delete(key);
    }
  }

  #live(key: string, now: number): string | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > now) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  #set(key: string, value: string, expiresAt: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  /** Drops expired entries from the front (the least recently written ones). */
  #prune(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt > now) return;
      this.#entries.delete(key);
    }
  }
}

function entryKey(scope: string, id: string): string {
  return `${scope}\u0000${id}`;
}
