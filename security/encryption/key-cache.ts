/** One cached value and when it stops being fresh. */
export interface CacheEntry<T> {
  readonly value: T;
  readonly expiresAt: number;
}

/**
 * A bounded, time-limited cache of keys with single-flight loads: entries live `ttlMs`
 * (0: nothing is kept), the least recently used leave first beyond `max`, and concurrent
 * `get`s of a missing entry share one load. A `delete` or `set` made while a load is in
 * flight wins: the load's result is returned to its callers but not kept.
 */
export class KeyCache<T> {
  readonly #entries = new Map<string, CacheEntry<T>>();
  readonly #loading = new Map<string, Promise<T>>();
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(max: number, ttlMs: number, now: () => number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`maxCachedKeys must be a positive integer, got ${max}`);
    }
    this.#max = max;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** The fresh entry of `key`, or undefined. */
  peek(key: string): CacheEntry<T> | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  /** The fresh value of `key`, or the result of `load` (shared by concurrent callers). */
  get(key: string, load: () => Promise<T>): Promise<T> {
    const entry = this.peek(key);
    if (entry !== undefined) return Promise.resolve(entry.value);
    const pending = this.#loading.get(key);
    if (pending !== undefined) return pending;
    const loading = load().then(
      (value) => {
        if (this.#loading.get(key) === loading) {
          this.#loading.delete(key);
          this.set(key, value);
        }
        return value;
      },
      (error: unknown) => {
        if (this.#loading.get(key) === loading) this.#loading.delete(key);
        throw error;
      },
    );
    this.#loading.set(key, loading);
    return loading;
  }

  /** Keeps `value` for `ttlMs`; a load of `key` in flight is no longer kept. */
  set(key: string, value: T): void {
    this.#loading.delete(key);
    this.#entries.delete(key);
    if (this.#ttlMs === 0) return;
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttlMs });
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /** Forgets `key`, and a load of it in flight. */
  delete(key: string): void {
    this.#loading.delete(key);
    this.#entries.delete(key);
  }
}
