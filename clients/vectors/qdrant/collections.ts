import { aliasIsNotCollectionError, collectionHasAliasesError } from "../alias-errors.js";
import type { CollectionDetails, CollectionPage } from "../port.js";
import { aliasesPointingAt } from "./alias-records.js";
import { resultOf } from "./call.js";
import { deleteRecord, readEntries, tenantRecords, writeRecord } from "./catalog.js";
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

/**
 * Describes a collection (named by itself or by an alias) with the exact number of its
 * points; the catalog is read afresh.
 */
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
        {
          collection_name: collection,
          filter: qdrantFilter(tenant, info.name, undefined),
          exact: true,
        },
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
 * Deletes a collection; false when it did not exist. Refused (`PreconditionError`) for an
 * alias's name and for a collection an alias points to. The catalog record goes first,
 * so that from then on no alias can be pointed at the collection (PutAlias reads its
 * target back after writing); then the aliases are looked up again, and should one have
 * been put in between, the record is written back and the delete refused. Only then are
 * the points removed. A delete cut short after the record went leaves points that no
 * collection shows, which the next create of the name removes, as it does points written
 * meanwhile through a stale cache of another replica.
 */
export async function deleteCollection(
  ctx: QdrantContext,
  tenant: string,
  name: string,
  signal: Signal,
): Promise<boolean> {
  ctx.shapes.delete(tenant, name);
  const entry = (await readEntries(ctx, tenant, [name], signal)).get(name);
  if (entry === undefined) return false;
  if (entry.kind === "alias") throw aliasIsNotCollectionError(name, entry.collection);
  await refuseWhileAliased(ctx, tenant, name, signal);
  await deleteRecord(ctx, tenant, name, signal);
  try {
    await refuseWhileAliased(ctx, tenant, name, signal);
  } catch (error) {
    await writeRecord(ctx, tenant, entry.info, undefined);
    throw error;
  }
  ctx.shapes.delete(tenant, name);
  await removeLeftovers(ctx, tenant, name, signal);
  return true;
}

async function refuseWhileAliased(
  ctx: QdrantContext,
  tenant: string,
  name: string,
  signal: Signal,
): Promise<void> {
  const aliases = await aliasesPointingAt(ctx, tenant, name, signal);
  if (aliases.length > 0) throw collectionHasAliasesError(name, aliases);
}
