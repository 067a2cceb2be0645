import type { VerifiedToken } from "./claims.js";

/**
 * Verified tokens by their compact form, so a token seen before skips signature checks.
 * Bounded: past `capacity` the oldest entry goes. An entry is used until the token's
 * `exp` (the clock skew is not added); only successes are stored.
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<string, VerifiedToken>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`cacheSize must be a non-negative integer, got ${capacity}`);
    }
  }

  /** The entry for `token` if it has not expired at `nowMs`; an expired one is dropped. */
  get(token: string, nowMs: number): VerifiedToken | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.principal.expiresAt > nowMs) return entry;
    this.#entries.delete(token);
    return undefined;
  }

  /** Stores a verified token, evicting the oldest entry when full. */
  set(token: string, entry: VerifiedToken): void {
    if (this.capacity === 0) return;
    if (!this.#entries.has(token) && this.#entries.size >= this.capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(token, entry);
  }

  /** How many tokens are held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Forgets every token. */
  clear(): void {
    this.#entries.clear();
  }
}
