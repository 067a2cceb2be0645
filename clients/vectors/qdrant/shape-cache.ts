import type { CollectionInfo } from "../port.js";

/**
 * Recently read collections, keyed by tenant and the name they were asked for (their
 * own, or an alias's, which maps to the collection it points to), so that writes and
 * searches find their collection without a round trip each. Entries expire after
 * `ttlMs` and are dropped whenever Qdrant says otherwise (a dimension error), so a
 * collection deleted or re-created, or an alias moved, by another replica is seen within
 * `ttlMs` at worst; this replica's own changes are seen at once.
 */
export class ShapeCache {
  readonly #entries = new Map<string, { shape: CollectionInfo; expires: number }>();

  constructor(private readonly ttlMs: number) {}

  /** The cached shape, if still fresh. */
  get(tenant: string, name: string): CollectionInfo | undefined {
    const key = cacheKey(tenant, name);
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires > Date.now()) return entry.shape;
    this.#entries.delete(key);
    return undefined;
  }

  /** Remembers a shape just read or written. */
  set(tenant: string, name: string, shape: CollectionInfo): void {
    if (this.ttlMs === 0) return;
    if (this.#entries.size >= 10_000) this.#entries.clear();
    this.#entries.set(cacheKey(tenant, name), { shape, expires: Date.now() + this.ttlMs });
  }

  /** Forgets a shape. */
  delete(tenant: string, name: string): void {
    this.#entries.delete(cacheKey(tenant, name));
  }
}

function cacheKey(tenant: string, name: string): string {
  return JSON.stringify([tenant, name]);
}
