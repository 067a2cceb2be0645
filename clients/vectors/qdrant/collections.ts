import type { CollectionDetails, CollectionPage } from "../port.js";
import { resultOf } from "./call.js";
import { deleteRecord, readRecord, tenantRecords } from "./catalog.js";
import { placement, type QdrantContext } from "./context.js";
import { removeLeftovers } from "./create.js";
import { qdrantFilter } from "./filter.js";

type Signal = AbortSignal | undefined;

/** Lists a tenant's collections in name order, from the catalog, a page at a time. */
export async function listCollections(
  ctx: QdrantContext,
  tenant: string,
  page: { readonly limit: number; readonly after?: string },
  signal: Signal,
): Promise<CollectionPage> {
  const after = page.after ?? "";
  const records = (await tenantRecords(ctx, tenant, signal)).filter((info) => info.name > after);
  const collections = records.slice(0, page.limit);
  const last = collections.at(-1);
  return records.length > page.limit && last !== undefined
    ? { collections, nextAfter: last.name }
    : { collections };
}

/** Describes a collection with the exact number of its points. */
export async function getCollection(
  ctx: QdrantContext,
  tenant: string,
  name: string,
  signal: Signal,
): Promise<CollectionDetails> {
  const { info, collection } = await placement(ctx, tenant, name, { signal, fresh: true });
  const counted = await ctx.caller.run(
    (api, init) =>
      api.countPoints(
        { collection_name: collection, filter: qdrantFilter(tenant, name, undefined), exact: true },
        init,
      ),
    { signal, idempotent: true, collection: name },
  );
  return {
    ...info,
    payloadIndexes: [...info.payloadIndexes],
    pointCount: resultOf(counted).count,
  };
}

/**
 * Deletes a collection; false when it did not exist. Its points go first, then its
 * catalog record: a delete cut short leaves the collection in place (delete it again),
 * and points written meanwhile through a stale cache of another replica are removed by
 * the next create of the name.
 */
export async function deleteCollection(
  ctx: QdrantContext,
  tenant: string,
  name: string,
  signal: Signal,
): Promise<boolean> {
  ctx.shapes.delete(tenant, name);
  if ((await readRecord(ctx, tenant, name, signal)) === undefined) return false;
  await removeLeftovers(ctx, tenant, name, signal);
  await deleteRecord(ctx, tenant, name, signal);
  ctx.shapes.delete(tenant, name);
  return true;
}
