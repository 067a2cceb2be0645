import { NotFoundError } from "../../errors.js";
import type { CollectionInfo } from "../port.js";
import type { QdrantCaller } from "./call.js";
import { readRecord, type ShapeCache } from "./catalog.js";
import { sharedCollectionName } from "./layout.js";

/** What every operation of the Qdrant store needs. */
export interface QdrantContext {
  readonly caller: QdrantCaller;
  /** The configured collection prefix. */
  readonly prefix: string;
  readonly shapes: ShapeCache;
  /** Qdrant collections known to exist with their indexes (the catalog, shared ones). */
  readonly ready: Set<string>;
}

/** A tenant's collection as found in the catalog, with the Qdrant collection holding it. */
export interface Placement {
  readonly info: CollectionInfo;
  /** The shared Qdrant collection of its shape. */
  readonly collection: string;
}

/**
 * Where a tenant's collection lives: from the cache unless `fresh`, else from its
 * catalog record; `NotFoundError` when it has none.
 */
export async function placement(
  ctx: QdrantContext,
  tenant: string,
  name: string,
  options: { readonly signal?: AbortSignal | undefined; readonly fresh?: boolean },
): Promise<Placement> {
  let info = options.fresh ? undefined : ctx.shapes.get(tenant, name);
  if (info === undefined) {
    info = await readRecord(ctx, tenant, name, options.signal);
    if (info === undefined) {
      ctx.shapes.delete(tenant, name);
      throw new NotFoundError("collection", name);
    }
    ctx.shapes.set(tenant, name, info);
  }
  return { info, collection: sharedCollectionName(ctx.prefix, info) };
}
