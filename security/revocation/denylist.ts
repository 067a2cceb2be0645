/**
 * How long a revocation is kept after the token's `exp`. Verification tolerates up to
 * `JWT_CLOCK_SKEW_S` (at most 300 s) past `exp`, so a revocation must outlive it.
 */
export const defaultRetentionMs = 300_000;

/** Revoked `jti`s with the time each may be forgotten, answered from memory. */
export class Denylist {
  #entries = new Map<string, number>();

  /** True when `jti` is held. */
  has(jti: string): boolean {
    return this.#entries.has(jti);
  }

  /** Adds `jti`; a later `expiresAt` wins over an earlier one. */
  add(jti: string, expiresAt: number): void {
    const current = this.#entries.get(jti);
    if (current === undefined || current < expiresAt) this.#entries.set(jti, expiresAt);
  }

  /** Swaps in a whole new set of entries (a snapshot of the shared store). */
  replace(entries: Map<string, number>): void {
    this.#entries = entries;
  }

  /** Drops entries that expired before `cutoff`; returns how many. */
  prune(cutoff: number): number {
    let removed = 0;
    for (const [jti, expiresAt] of this.#entries) {
      if (expiresAt < cutoff) {
        this.#entries.delete(jti);
        removed += 1;
      }
    }
    return removed;
  }

  /** How many entries are held. */
  get size(): number {
    return this.#entries.size;
  }
}

/** Throws `RangeError` unless `jti` is a non-empty string and `expiresAt` a finite epoch ms. */
export function checkRevocation(jti: string, expiresAt: number): void {
  if (typeof jti !== "string" || jti.length === 0) {
    throw new RangeError("jti must be a non-empty string");
  }
  if (!Number.isFinite(expiresAt)) {
    throw new RangeError(`expiresAt must be a finite epoch ms, got ${expiresAt}`);
  }
}
