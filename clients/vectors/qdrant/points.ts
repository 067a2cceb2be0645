import type { JsonObject } from "@bufbuild/protobuf";
import type { Schemas } from "@qdrant/js-client-rest";
import { PreconditionError } from "../../errors.js";
import type { PointFilter } from "../filter.js";
import type { PointInput, PointSelector, StoredPoint } from "../port.js";
import { type Placement, placement, type QdrantContext } from "./context.js";
import { type QdrantCondition, type QdrantFilter, qdrantFilter } from "./filter.js";
import { collectionPath, float32Json, JsonText } from "./http.js";
import { pointUuid } from "./ids.js";
import { type CheckedPoint, checkPoints, upsertBatches } from "./input.js";
import {
  callerPayload,
  idField,
  payloadField,
  storedId,
  storedPayload,
  storedSubject,
  subjectField,
} from "./payload.js";
import { ensureSharedCollection } from "./shared.js";

type Signal = AbortSignal | undefined;

/**
 * Writes points with `wait: true`, so they are searchable when this returns. The whole
 * batch is checked first (dimension, finite floats) against the collection's shape;
 * a mismatch with a cached shape is re-checked against a fresh one before it is
 * reported. Qdrant validates one upsert request as a whole, so a batch that fits one
 * request (up to 1000 points of up to 1000 dimensions) is all or nothing; a larger one
 * is sent in several requests and a network failure may leave the first ones written
 * (upserting again is harmless). `collection` may be an alias: the points are written
 * to the collection it points to.
 */
export async function upsertPoints(
  ctx: QdrantContext,
  tenant: string,
  collection: string,
  points: readonly PointInput[],
  signal: Signal,
): Promise<number> {
  const { checked, place } = await checkAgainstShape(ctx, tenant, collection, points, signal);
  for (const batch of upsertBatches(checked)) {
    try {
      await ctx.caller.send(
        "PUT",
        collectionPath(place.collection, "points?wait=true"),
        upsertBody(tenant, place.info.name, batch, ctx.now()),
        { signal, idempotent: true, collection, vectorField: "points" },
      );
    } catch (error) {
      ctx.shapes.delete(tenant, collection);
      throw error;
    }
  }
  return checked.length;
}

/**
 * An upsert request's JSON (`{"points": [{"id", "vector", "payload"}, …]}`), the checked
 * vectors written by {@link float32Json}.
 */
function upsertBody(
  tenant: string,
  collection: string,
  batch: readonly CheckedPoint[],
  writtenAt: number,
): JsonText {
  const points = batch.map(
    (point) =>
      `{"id":${JSON.stringify(pointUuid(tenant, collection, point.id))},"vector":${float32Json(point.vector)},"payload":${JSON.stringify(storedPayload(tenant, collection, point.id, point.payload, writtenAt, point.subject))}}`,
  );
  return new JsonText(`{"points":[${points.join(",")}]}`);
}

async function checkAgainstShape(
  ctx: QdrantContext,
  tenant: string,
  collection: string,
  points: readonly PointInput[],
  signal: Signal,
): Promise<{ checked: CheckedPoint[]; place: Placement }> {
  const place = await placement(ctx, tenant, collection, { signal });
  try {
    return { checked: checkPoints(points, place.info.dimension), place };
  } catch (error) {
    if (!(error instanceof PreconditionError)) throw error;
    const fresh = await placement(ctx, tenant, collection, { signal, fresh: true });
    if (fresh.info.dimension === place.info.dimension) throw error;
    return { checked: checkPoints(points, fresh.info.dimension), place: fresh };
  }
}

/** Points by id, with payloads, in request order, each once; only the tenant's. */
export async function getPoints(
  ctx: QdrantContext,
  tenant: string,
  collection: string,
  ids: readonly string[],
  withVector: boolean,
  signal: Signal,
): Promise<StoredPoint[]> {
  const unique = [...new Set(ids)];
  const place = await placement(ctx, tenant, collection, { signal });
  if (unique.length === 0) {
    await count(ctx, place, collection, qdrantFilter(tenant, place.info.name, undefined), signal);
    return [];
  }
  const found = await scrollByIds(ctx, tenant, place, unique, {
    filter: undefined,
    withPayload: true,
    withVector,
    signal,
  });
  return unique.flatMap((id) => found.get(id) ?? []);
}

/**
 * The tenant's points among `ids` that match `filter`, by id, in the collection at
 * `place`. One scroll with a `has_id` condition, so that the tenant condition applies
 * (retrieving by id would not).
 */
export async function scrollByIds(
  ctx: QdrantContext,
  tenant: string,
  place: Placement,
  ids: readonly string[],
  options: {
    readonly filter: PointFilter | undefined;
    /** Only the points of this data subject. */
    readonly subject?: string | undefined;
    readonly withPayload: boolean;
    readonly withVector: boolean;
    readonly signal: Signal;
  },
): Promise<Map<string, StoredPoint>> {
  const collection = place.info.name;
  const hasId: QdrantCondition = { has_id: ids.map((id) => pointUuid(tenant, collection, id)) };
  const extra =
    options.subject === undefined ? [hasId] : [hasId, subjectCondition(options.subject)];
  const response = await ctx.caller.send<Schemas["ScrollResult"]>(
    "POST",
    collectionPath(place.collection, "points/scroll"),
    {
      filter: qdrantFilter(tenant, collection, options.filter, extra),
      limit: ids.length,
      with_payload: payloadFields(options.withPayload),
      with_vector: options.withVector,
    } satisfies Schemas["ScrollRequest"],
    { signal: options.signal, idempotent: true, collection },
  );
  const points = new Map<string, StoredPoint>();
  for (const record of response.points) {
    const point = toStoredPoint(record, options.withPayload, options.withVector);
    if (point) points.set(point.id, point);
  }
  return points;
}

/** The stored payload keys a read asks for: the id, and the payload and subject when wanted. */
export function payloadFields(withPayload: boolean): string[] {
  return withPayload ? [idField, payloadField, subjectField] : [idField];
}

/** The condition that keeps a data subject's points only. */
export function subjectCondition(subject: string): QdrantCondition {
  return { key: subjectField, match: { value: subject } };
}

/**
 * Makes sure the shared collection at `place` has its indexes, `rp_subject`'s included,
 * before a subject's points are looked for: a shared collection made before subjects
 * gets the index at its first such use (once per shape and process).
 */
export async function ensureSubjectIndex(
  ctx: QdrantContext,
  place: Placement,
  signal: Signal,
): Promise<void> {
  await ensureSharedCollection(ctx, place.info, signal);
}

/** Our point from a Qdrant record or scored point; undefined when it is not one of ours. */
export function toStoredPoint(
  record: Schemas["Record"] | Schemas["ScoredPoint"],
  withPayload: boolean,
  withVector: boolean,
): StoredPoint | undefined {
  const id = storedId(record.payload);
  if (id === undefined) return undefined;
  const point: { id: string; payload?: JsonObject; vector?: number[]; subject?: string } = { id };
  if (withPayload) {
    point.payload = callerPayload(record.payload);
    const subject = storedSubject(record.payload);
    if (subject !== undefined) point.subject = subject;
  }
  if (withVector && Array.isArray(record.vector)) point.vector = record.vector as number[];
  return point;
}

/**
 * Deletes points by ids or filter and returns how many existed. Qdrant's delete does not
 * count, so the matching points are counted first under the same filter: a write by
 * someone else between the two requests can make the count differ from what the delete
 * removed.
 */
export async function deletePoints(
  ctx: QdrantContext,
  tenant: string,
  collection: string,
  selector: PointSelector,
  signal: Signal,
): Promise<number> {
  const place = await placement(ctx, tenant, collection, { signal });
  if ("subject" in selector) await ensureSubjectIndex(ctx, place, signal);
  const name = place.info.name;
  const filter =
    "ids" in selector
      ? qdrantFilter(tenant, name, undefined, [
          { has_id: [...new Set(selector.ids)].map((id) => pointUuid(tenant, name, id)) },
        ])
      : "subject" in selector
        ? qdrantFilter(tenant, name, undefined, [subjectCondition(selector.subject)])
        : qdrantFilter(tenant, name, selector.filter);
  const existing = await count(ctx, place, collection, filter, signal);
  if (existing === 0) return 0;
  await ctx.caller.send(
    "POST",
    collectionPath(place.collection, "points/delete?wait=true"),
    { filter } satisfies Schemas["PointsSelector"],
    { signal, idempotent: true, collection },
  );
  return existing;
}

/** Counts the tenant's points matching a filter, exactly. */
export async function countPoints(
  ctx: QdrantContext,
  tenant: string,
  collection: string,
  filter: PointFilter | undefined,
  signal: Signal,
): Promise<number> {
  const place = await placement(ctx, tenant, collection, { signal });
  return count(ctx, place, collection, qdrantFilter(tenant, place.info.name, filter), signal);
}

async function count(
  ctx: QdrantContext,
  place: Placement,
  collection: string,
  filter: QdrantFilter,
  signal: Signal,
): Promise<number> {
  const response = await ctx.caller.send<Schemas["CountResult"]>(
    "POST",
    collectionPath(place.collection, "points/count"),
    { filter, exact: true } satisfies Schemas["CountRequest"],
    { signal, idempotent: true, collection },
  );
  return response.count;
}
