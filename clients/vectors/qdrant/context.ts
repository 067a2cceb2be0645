import { NotFoundError } from "../../errors.js";
import type { CollectionInfo } from "../port.js";
import type { QdrantCaller } from "./call.js";
import { readEntries, readRecord } from "./catalog.js";
import { sharedCollectionName } from "./layout.js";
import type { ShapeCache } from "./shape-cache.js";

/** What every operation of the Qdrant store needs. */
export interface QdrantContext {
  readonly caller: QdrantCaller;
  /** The configured collection prefix. */
  readonly prefix: string;
  readonly shapes: ShapeCache;
  /** Qdrant collections known to exist with their indexes (the catalog, shared ones). */
  readonly ready: Set<string>;
  /** The clock that stamps each point's write time (ms since the epoch). */
  readonly now: () => number;
}

/** A tenant's collection as found in the catalog, with the Qdrant collection holding it. */
export interface Placement {
  /** The collection; its `name` is the collection's own, also when it was named by an alias. */
  readonly info: CollectionInfo;
  /** The shared Qdrant collection of its shape. */
  readonly collection: string;
}

/**
 * Where a tenant's collection lives, `name` being the collection's or an alias's: from
 * the cache unless `fresh`, else from the catalog (the alias's record, then its
 * collection's). `NotFoundError` when the name has no record, or is an alias whose
 * collection has none.
 */
export async function placement(
  ctx: QdrantContext,
  tenant: string,
  name: string,
  options: { readonly signal?: AbortSignal | undefined; readonly fresh?: boolean },
): Promise<Placement> {
  let info = options.fresh ? undefined : ctx.shapes.get(tenant, name);
  if (info === undefined) {
    info = await resolve(ctx, tenant, name, options.signal);
    ctx.shapes.set(tenant, name, info);
  }
  return { info, collection: sharedCollectionName(ctx.prefix, info) };
}

async function resolve(
  ctx: QdrantContext,
  tenant: string,
  name: string,
  signal: AbortSignal | undefined,
): Promise<CollectionInfo> {
  const entry = (await readEntries(ctx, tenant, [name], signal)).get(name);
  if (entry?.kind === "collection") return entry.info;
  ctx.shapes.delete(tenant, name);
  if (entry === undefined) throw new NotFoundError("collection", name);
  const info = await readRecord(ctx, tenant, entry.collection, signal);
  if (info === undefined) throw new NotFoundError("collection", entry.collection);
  return info;
}
