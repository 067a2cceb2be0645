import { NotFoundError } from "../../errors.js";
import type { CollectionDetails, CollectionInfo, CollectionPage } from "../port.js";
import { resultOf } from "./call.js";
import { isComplete } from "./catalog.js";
import { collectionShape, type QdrantContext, qdrantName } from "./context.js";
import { qdrantFilter } from "./filter.js";
import { logicalCollectionName } from "./naming.js";

type Signal = AbortSignal | undefined;

/**
 * Lists a tenant's collections in name order. Qdrant lists every collection at once and
 * has no prefix query, so the names are filtered and paged here; each listed collection
 * is then described (a few at a time). One deleted meanwhile is left out.
 */
export async function listCollections(
  ctx: QdrantContext,
  tenant: string,
  page: { readonly limit: number; readonly after?: string },
  signal: Signal,
): Promise<CollectionPage> {
  const all = await ctx.caller.run((api, init) => api.getCollections({}, init), {
    signal,
    idempotent: true,
  });
  const after = page.after ?? "";
  const names = resultOf(all)
    .collections.map((c) => logicalCollectionName(ctx.prefix, tenant, c.name))
    .filter((name): name is string => name !== undefined && name > after)
    .sort();
  const chosen = names.slice(0, page.limit);
  const described: (CollectionInfo | undefined)[] = new Array(chosen.length);
  for (let start = 0; start < chosen.length; start += 8) {
    const slice = chosen.slice(start, start + 8);
    const infos = await Promise.all(slice.map((name) => describeOrSkip(ctx, tenant, name, signal)));
    infos.forEach((info, i) => {
      described[start + i] = info;
    });
  }
  const collections = described.filter((info): info is CollectionInfo => info !== undefined);
  const last = chosen.at(-1);
  return names.length > page.limit && last !== undefined
    ? { collections, nextAfter: last }
    : { collections };
}

async function describeOrSkip(
  ctx: QdrantContext,
  tenant: string,
  name: string,
  signal: Signal,
): Promise<CollectionInfo | undefined> {
  try {
    return await collectionShape(ctx, tenant, name, { signal, fresh: true });
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** Describes a collection with the exact number of the tenant's points in it. */
export async function getCollection(
  ctx: QdrantContext,
  tenant: string,
  name: string,
  signal: Signal,
): Promise<CollectionDetails> {
  const shape = await collectionShape(ctx, tenant, name, { signal, fresh: true });
  const counted = await ctx.caller.run(
    (api, init) =>
      api.countPoints(
        {
          collection_name: qdrantName(ctx, tenant, name),
          filter: qdrantFilter(tenant, undefined),
          exact: true,
        },
        init,
      ),
    { signal, idempotent: true, collection: name },
  );
  return {
    ...shape,
    payloadIndexes: [...shape.payloadIndexes],
    pointCount: resultOf(counted).count,
  };
}

/**
 * Deletes a collection; false when it did not exist. An unfinished one (see create.ts)
 * is deleted too but, as it read as missing, reported as not having existed.
 */
export async function deleteCollection(
  ctx: QdrantContext,
  tenant: string,
  name: string,
  signal: Signal,
): Promise<boolean> {
  const collection = qdrantName(ctx, tenant, name);
  const context = { signal, collection: name };
  ctx.shapes.delete(collection);
  try {
    const info = await ctx.caller.run(
      (api, init) => api.getCollection({ collection_name: collection }, init),
      { ...context, idempotent: true },
    );
    const finished = isComplete(resultOf(info));
    const deleted = await ctx.caller.run(
      (api, init) => api.deleteCollection({ collection_name: collection }, init),
      { ...context, idempotent: false },
    );
    return finished && deleted.data.result === true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  } finally {
    ctx.shapes.delete(collection);
  }
}
