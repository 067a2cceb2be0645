import type { CollectionInfo } from "../port.js";
import { type QdrantCaller, resultOf } from "./call.js";
import { describeCollection, type ShapeCache } from "./catalog.js";
import { qdrantCollectionName } from "./naming.js";

/** What every operation of the Qdrant store needs. */
export interface QdrantContext {
  readonly caller: QdrantCaller;
  /** The configured collection prefix. */
  readonly prefix: string;
  readonly shapes: ShapeCache;
}

/** The Qdrant collection of a tenant's logical collection. */
export function qdrantName(ctx: QdrantContext, tenant: string, name: string): string {
  return qdrantCollectionName(ctx.prefix, tenant, name);
}

/**
 * A collection's shape, from the cache unless `fresh`; `NotFoundError` when Qdrant has no
 * such collection.
 */
export async function collectionShape(
  ctx: QdrantContext,
  tenant: string,
  name: string,
  options: { readonly signal?: AbortSignal | undefined; readonly fresh?: boolean },
): Promise<CollectionInfo> {
  const collection = qdrantName(ctx, tenant, name);
  if (!options.fresh) {
    const cached = ctx.shapes.get(collection);
    if (cached) return cached;
  }
  try {
    const info = await ctx.caller.run(
      (api, init) => api.getCollection({ collection_name: collection }, init),
      { signal: options.signal, idempotent: true, collection: name },
    );
    const shape = describeCollection(name, resultOf(info));
    ctx.shapes.set(collection, shape);
    return shape;
  } catch (error) {
    ctx.shapes.delete(collection);
    throw error;
  }
}
