import { AlreadyExistsError, NotFoundError } from "../../errors.js";
import { type CollectionInfo, type CollectionSpec, defaultIndexSettings } from "../port.js";
import { resultOf } from "./call.js";
import { ensureCatalog, readEntries, writeRecord } from "./catalog.js";
import type { QdrantContext } from "./context.js";
import { scopeConditions } from "./filter.js";
import { isSharedCollectionName } from "./layout.js";
import { ensurePayloadIndexes, ensureSharedCollection } from "./shared.js";

type Signal = AbortSignal | undefined;

/**
 * Creates a tenant's collection: makes sure the shared collection of its shape exists
 * with the collection's payload indexes, removes any points a former collection of the
 * same name left behind (a delete cut short), and writes the catalog record last, so the
 * collection exists only once it is usable. `AlreadyExistsError` when the tenant has the
 * name (kind `alias` when an alias holds it), or when a concurrent create of the name
 * with another shape, or a concurrent PutAlias of the name, got there first: the record
 * never replaces an alias's, and is read back to see which won.
 */
export async function createCollection(
  ctx: QdrantContext,
  tenant: string,
  spec: CollectionSpec,
  signal: Signal,
): Promise<CollectionInfo> {
  const existing = (await readEntries(ctx, tenant, [spec.name], signal)).get(spec.name);
  if (existing !== undefined) throw new AlreadyExistsError(existing.kind, spec.name);
  const info: CollectionInfo = {
    name: spec.name,
    dimension: spec.dimension,
    distance: spec.distance,
    payloadIndexes: [...(spec.payloadIndexes ?? [])],
    index: spec.index ?? defaultIndexSettings,
    ...(spec.maxAgeMs === undefined ? {} : { maxAgeMs: spec.maxAgeMs }),
    sensitiveFields: [...(spec.sensitiveFields ?? [])],
  };
  await ensureCatalog(ctx, signal);
  const shared = await ensureSharedCollection(ctx, info, signal);
  await ensurePayloadIndexes(ctx, shared, info.payloadIndexes, signal);
  await removeLeftovers(ctx, tenant, spec.name, signal);
  await writeRecord(ctx, tenant, info, signal);
  const stored = (await readEntries(ctx, tenant, [spec.name], signal)).get(spec.name);
  if (stored?.kind === "alias") throw new AlreadyExistsError("alias", spec.name);
  if (stored?.info.dimension !== info.dimension || stored.info.distance !== info.distance)
    throw new AlreadyExistsError("collection", spec.name);
  ctx.shapes.set(tenant, spec.name, info);
  return {
    ...info,
    payloadIndexes: [...info.payloadIndexes],
    sensitiveFields: [...info.sensitiveFields],
  };
}

/**
 * Deletes the points of a tenant's collection from every shared collection of this
 * prefix: the points of a collection whose delete was cut short, which a new collection
 * of the same name (and perhaps another shape) must not inherit.
 */
export async function removeLeftovers(
  ctx: QdrantContext,
  tenant: string,
  name: string,
  signal: Signal,
): Promise<void> {
  const listed = await ctx.caller.run((api, init) => api.getCollections({}, init), {
    signal,
    idempotent: true,
  });
  for (const { name: collection } of resultOf(listed).collections) {
    if (!isSharedCollectionName(ctx.prefix, collection)) continue;
    try {
      await ctx.caller.run(
        (api, init) =>
          api.deletePoints(
            {
              collection_name: collection,
              wait: true,
              filter: { must: scopeConditions(tenant, name) },
            },
            init,
          ),
        { signal, idempotent: true, collection },
      );
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
}
