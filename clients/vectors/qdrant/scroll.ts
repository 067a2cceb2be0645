import type { Schemas } from "@qdrant/js-client-rest";
import type { PointPage, ScrollQuery, StoredPoint } from "../port.js";
import { type Placement, placement, type QdrantContext } from "./context.js";
import { type QdrantCondition, qdrantFilter } from "./filter.js";
import { collectionPath } from "./http.js";
import { type IdSource, idsAfter, type KeyEquality } from "./ordering.js";
import { idField, orderField, storedId } from "./payload.js";
import { ensureSubjectIndex, scrollByIds, subjectCondition } from "./points.js";

/** Page size of a full read of a group of points. */
const scanPageSize = 1000;

/**
 * One page of the tenant's points matching a filter, in id order (UTF-8 bytes), as the
 * port requires. Qdrant's own scroll follows its point ids (here UUIDs, so in no useful
 * order) and cannot order by a keyword, so the page's ids are found with the order keys
 * (see ordering.ts), then read with their payloads and vectors in one more request. A
 * point written or deleted between those requests may be left out of, or be missing
 * from, the page; the cursor stays valid.
 */
export async function scrollPoints(
  ctx: QdrantContext,
  tenant: string,
  collection: string,
  query: ScrollQuery,
  signal: AbortSignal | undefined,
): Promise<PointPage> {
  const place = await placement(ctx, tenant, collection, { signal });
  if (query.subject !== undefined) await ensureSubjectIndex(ctx, place, signal);
  const source = qdrantIdSource(ctx, tenant, place, query, signal);
  const ids = await idsAfter(source, query.after, query.limit + 1);
  const pageIds = ids.slice(0, query.limit);
  if (pageIds.length === 0) return { points: [] };
  const found = await scrollByIds(ctx, tenant, place, pageIds, {
    filter: query.filter,
    subject: query.subject,
    withPayload: query.withPayload,
    withVector: query.withVector,
    signal,
  });
  const points: StoredPoint[] = pageIds.flatMap((id) => found.get(id) ?? []);
  return ids.length > query.limit ? { points, nextAfter: pageIds.at(-1) as string } : { points };
}

/** The {@link IdSource} of the tenant's points matching the query's filter. */
function qdrantIdSource(
  ctx: QdrantContext,
  tenant: string,
  place: Placement,
  query: ScrollQuery,
  signal: AbortSignal | undefined,
): IdSource {
  const collection = place.info.name;
  const subject = query.subject === undefined ? [] : [subjectCondition(query.subject)];
  const filterFor = (scope: readonly KeyEquality[]) =>
    qdrantFilter(tenant, collection, query.filter, [...subject, ...scope.map(keyCondition)]);
  const page = async (request: Schemas["ScrollRequest"]) => {
    return ctx.caller.send<Schemas["ScrollResult"]>(
      "POST",
      collectionPath(place.collection, "points/scroll"),
      {
        with_payload: [idField],
        with_vector: false,
        ...request,
      } satisfies Schemas["ScrollRequest"],
      { signal, idempotent: true, collection },
    );
  };
  return {
    async scan(scope, limit) {
      const filter = filterFor(scope);
      const ids: string[] = [];
      let offset: Schemas["ExtendedPointId"] | undefined;
      for (;;) {
        const size = limit === undefined ? scanPageSize : limit - ids.length;
        const result = await page({
          filter,
          limit: size,
          ...(offset === undefined ? {} : { offset }),
        });
        ids.push(...idsOf(result.points));
        const next = result.next_page_offset;
        if (next === undefined || next === null) return { ids, complete: true };
        if (limit !== undefined && ids.length >= limit) return { ids, complete: false };
        offset = next as Schemas["ExtendedPointId"];
      }
    },
    async ordered(scope, level, from, limit) {
      const orderBy: Schemas["OrderBy"] = { key: orderField(level), direction: "asc" };
      if (from !== undefined) orderBy.start_from = from;
      const result = await page({ filter: filterFor(scope), limit, order_by: orderBy });
      return idsOf(result.points);
    },
  };
}

function keyCondition(equality: KeyEquality): QdrantCondition {
  return { key: orderField(equality.level), match: { value: equality.key } };
}

function idsOf(records: readonly Schemas["Record"][]): string[] {
  return records.flatMap((record) => storedId(record.payload) ?? []);
}
