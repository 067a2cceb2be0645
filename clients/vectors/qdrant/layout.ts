import { type Distance, defaultIndexSettings, type IndexSettings } from "../port.js";

/**
 * Where a tenant's collection lives in Qdrant. Qdrant recommends one collection with
 * payload partitioning over a collection per tenant (each collection costs memory,
 * segments and optimizer threads, and managed clusters cap their number), so every
 * logical collection of one vector shape shares one Qdrant collection:
 *
 * - `<prefix>_v<dimension>_<distance>` holds the points of every tenant's collections of
 *   that shape, each point tagged with its scope ({@link scopeOf}), a keyword indexed
 *   with `is_tenant: true` (Qdrant then keeps each scope's points together and links
 *   them within the scope: shared.ts); every request filters by it.
 * - `<prefix>_catalog` holds one record per logical collection (catalog.ts): its tenant,
 *   name, shape and payload indexes. A collection exists when its record does.
 *
 * 1,000 tenants with a collection each make one catalog record each, not 1,000 Qdrant
 * collections.
 */
export interface VectorShape {
  readonly dimension: number;
  readonly distance: Distance;
  /** How the graph is built; the defaults when absent. */
  readonly index?: IndexSettings | undefined;
}

/**
 * The Qdrant collection holding every logical collection of `shape`:
 * `<prefix>_v<dimension>_<distance>`, with `_m<M>_ef<ef_construct>` appended when the
 * index settings are not the defaults (Qdrant sets them per collection).
 */
export function sharedCollectionName(prefix: string, shape: VectorShape): string {
  const base = `${prefix}_v${shape.dimension}_${shape.distance}`;
  const index = shape.index ?? defaultIndexSettings;
  return index.m === defaultIndexSettings.m &&
    index.efConstruct === defaultIndexSettings.efConstruct
    ? base
    : `${base}_m${index.m}_ef${index.efConstruct}`;
}

/** The Qdrant collection of the catalog. */
export function catalogCollectionName(prefix: string): string {
  return `${prefix}_catalog`;
}

/** Whether a Qdrant collection name is one of this prefix's shared collections. */
export function isSharedCollectionName(prefix: string, name: string): boolean {
  return new RegExp(`^${prefix}_v\\d+_(cosine|dot|euclid)(_m\\d+_ef\\d+)?$`).test(name);
}

/**
 * The scope of a tenant's logical collection: the value its points carry in
 * `rp_scope`. JSON of `[tenant, name]`, so it is unambiguous for any tenant string and
 * names exactly one (tenant, collection).
 */
export function scopeOf(tenant: string, collection: string): string {
  return JSON.stringify([tenant, collection]);
}
