import type { Schemas } from "@qdrant/js-client-rest";
import type { CollectionInfo, CollectionMaxAge } from "../port.js";
import { describeRecord, recordFields, scrollCatalog } from "./catalog.js";
import { placement, type QdrantContext } from "./context.js";
import { type QdrantCondition, qdrantFilter } from "./filter.js";
import { collectionPath } from "./http.js";
import { catalogRecordUuid } from "./ids.js";
import { catalogCollectionName } from "./layout.js";
import { tenantField, writtenAtField } from "./payload.js";

type Signal = AbortSignal | undefined;

/**
 * Sets or clears a collection's maximum age: one payload key of its catalog record
 * (`rp_max_age_ms`), changed in place so nothing else of the record is rewritten.
 */
export async function setMaxAge(
  ctx: QdrantContext,
  tenant: string,
  name: string,
  maxAgeMs: number | undefined,
  signal: Signal,
): Promise<CollectionInfo> {
  const { info, collection } = await placement(ctx, tenant, name, { signal, fresh: true });
  if (maxAgeMs !== undefined) await stampUnstamped(ctx, tenant, info.name, collection, signal);
  const catalog = catalogCollectionName(ctx.prefix);
  const points = [catalogRecordUuid(tenant, info.name)];
  if (maxAgeMs === undefined) {
    await ctx.caller.send(
      "POST",
      collectionPath(catalog, "points/payload/delete?wait=true"),
      { keys: [recordFields.maxAgeMs], points } satisfies Schemas["DeletePayload"],
      { signal, idempotent: true, collection: name },
    );
  } else {
    await ctx.caller.send(
      "POST",
      collectionPath(catalog, "points/payload?wait=true"),
      { payload: { [recordFields.maxAgeMs]: maxAgeMs }, points } satisfies Schemas["SetPayload"],
      { signal, idempotent: true, collection: name },
    );
  }
  ctx.shapes.delete(tenant, name);
  const { maxAgeMs: _previous, ...rest } = info;
  return maxAgeMs === undefined ? rest : { ...rest, maxAgeMs };
}

/**
 * Gives the collection's points written before points carried a write time the time of
 * now, so they expire one maximum age from now instead of never: one filtered set-payload,
 * which matches nothing once every point has one.
 */
async function stampUnstamped(
  ctx: QdrantContext,
  tenant: string,
  name: string,
  collection: string,
  signal: Signal,
): Promise<void> {
  await ctx.caller.send(
    "POST",
    collectionPath(collection, "points/payload?wait=true"),
    {
      payload: { [writtenAtField]: ctx.now() },
      filter: qdrantFilter(tenant, name, undefined, [{ is_empty: { key: writtenAtField } }]),
    } satisfies Schemas["SetPayload"],
    { signal, idempotent: true, collection: name },
  );
}

/** Every collection of every tenant with a maximum age, from one scroll of the catalog. */
export async function listMaxAges(ctx: QdrantContext, signal: Signal): Promise<CollectionMaxAge[]> {
  const found: CollectionMaxAge[] = [];
  await scrollCatalog(
    ctx,
    [{ key: recordFields.maxAgeMs, range: { gt: 0 } }],
    true,
    signal,
    (payload) => {
      const tenant = payload?.[tenantField];
      const info = describeRecord(payload);
      if (typeof tenant === "string" && info?.maxAgeMs !== undefined)
        found.push({ tenant, collection: info.name, maxAgeMs: info.maxAgeMs });
    },
  );
  return found;
}

/**
 * Deletes at most `limit` points written before `beforeMs`: a scroll of their ids under
 * the indexed write-time range, then a delete of those ids under the same range, so a
 * point rewritten between the two requests stays. The count is of the ids found.
 */
export async function deleteWrittenBefore(
  ctx: QdrantContext,
  tenant: string,
  collection: string,
  beforeMs: number,
  limit: number,
  signal: Signal,
): Promise<number> {
  const place = await placement(ctx, tenant, collection, { signal });
  const older: QdrantCondition = { key: writtenAtField, range: { lt: beforeMs } };
  const page = await ctx.caller.send<Schemas["ScrollResult"]>(
    "POST",
    collectionPath(place.collection, "points/scroll"),
    {
      filter: qdrantFilter(tenant, place.info.name, undefined, [older]),
      limit,
      with_payload: false,
      with_vector: false,
    } satisfies Schemas["ScrollRequest"],
    { signal, idempotent: true, collection },
  );
  const ids = page.points.map((point) => point.id);
  if (ids.length === 0) return 0;
  await ctx.caller.send(
    "POST",
    collectionPath(place.collection, "points/delete?wait=true"),
    {
      filter: qdrantFilter(tenant, place.info.name, undefined, [older, { has_id: ids }]),
    } satisfies Schemas["PointsSelector"],
    { signal, idempotent: true, collection },
  );
  return ids.length;
}
