import type { JsonObject } from "@bufbuild/protobuf";
import { compileFilter, isEmptyFilter, type PointFilter } from "../filter.js";
import type {
  PointPage,
  PointSelector,
  ScoredPoint,
  ScrollQuery,
  SearchQuery,
  StoredPoint,
} from "../port.js";
import type { IndexSearchBatcher } from "./batch.js";
import type { LoadedCollection } from "./collection.js";
import { prepareVector } from "./input.js";
import { passesThreshold, type SlotScore } from "./math.js";
import type { SearchScratch } from "./scratch.js";
import { plainIndexWanted, searchSlots } from "./search.js";

/** A point read from memory, with fresh copies of what was asked for. */
export function pointAt(
  collection: LoadedCollection,
  slot: number,
  withPayload: boolean,
  withVector: boolean,
): StoredPoint {
  const point: { id: string; payload?: JsonObject; vector?: number[]; subject?: string } = {
    id: collection.idAt(slot),
  };
  if (withPayload) {
    point.payload = collection.payloadCopy(slot);
    const subject = collection.subjectAt(slot);
    if (subject !== undefined) point.subject = subject;
  }
  if (withVector) point.vector = collection.vectorCopy(slot);
  return point;
}

/**
 * Answers a search: nearest matching points, best first, within the score threshold.
 * Unfiltered HNSW searches join `batcher`'s next batch; the rest run now.
 */
export function searchPoints(
  collection: LoadedCollection,
  scratch: SearchScratch,
  batcher: IndexSearchBatcher,
  query: SearchQuery,
): ScoredPoint[] | Promise<ScoredPoint[]> {
  const { distance } = collection;
  const vector = prepareVector(query.vector, collection.dimension, distance, "vector");
  const predicate = isEmptyFilter(query.filter) ? undefined : compileFilter(query.filter!);
  const wanted = plainIndexWanted(collection, query.limit, predicate, query.exact);
  if (wanted === undefined) {
    const indexed = predicate === undefined ? undefined : collection.indexedMatches(query.filter);
    const slots = searchSlots(
      collection,
      scratch,
      vector,
      query.limit,
      predicate,
      query.exact,
      indexed,
    );
    return scoredPoints(collection, query, slots);
  }
  return new Promise((resolve, reject) => {
    batcher.enqueue({
      collection,
      query: vector,
      wanted: Math.min(Math.max(wanted, query.hnswEf ?? 0), collection.size),
      complete: (slots) => {
        try {
          resolve(scoredPoints(collection, query, slots.slice(0, query.limit)));
        } catch (error) {
          reject(error);
        }
      },
      fail: reject,
    });
  });
}

/** The points in `slots` within the score threshold, as asked. */
function scoredPoints(
  collection: LoadedCollection,
  query: SearchQuery,
  slots: readonly SlotScore[],
): ScoredPoint[] {
  const { distance } = collection;
  const threshold = query.scoreThreshold;
  const hits: ScoredPoint[] = [];
  for (const { slot, score } of slots) {
    if (threshold !== undefined && !passesThreshold(distance, score, threshold)) continue;
    hits.push({ ...pointAt(collection, slot, query.withPayload, query.withVector), score });
  }
  return hits;
}

/** Points by id with payloads, in request order, each id once; missing ids left out. */
export function getPoints(
  collection: LoadedCollection,
  ids: readonly string[],
  withVector: boolean,
): StoredPoint[] {
  const points: StoredPoint[] = [];
  for (const id of new Set(ids)) {
    const slot = collection.slotOfId(id);
    if (slot !== undefined) points.push(pointAt(collection, slot, true, withVector));
  }
  return points;
}

/**
 * The keys of the existing points a selector of ids or filter picks (a subject's points
 * are found with the database's subject index).
 */
export function selectKeys(
  collection: LoadedCollection,
  selector: Exclude<PointSelector, { readonly subject: string }>,
): number[] {
  const keys: number[] = [];
  if ("ids" in selector) {
    for (const id of new Set(selector.ids)) {
      const slot = collection.slotOfId(id);
      if (slot !== undefined) keys.push(collection.keyAt(slot));
    }
    return keys;
  }
  const matches = compileFilter(selector.filter);
  for (let slot = 0; slot < collection.size; slot++) {
    if (matches(collection.payloadAt(slot))) keys.push(collection.keyAt(slot));
  }
  return keys;
}

/** The number of points matching a filter. */
export function countPoints(collection: LoadedCollection, filter: PointFilter | undefined): number {
  if (isEmptyFilter(filter)) return collection.size;
  const matches = compileFilter(filter!);
  let count = 0;
  for (let slot = 0; slot < collection.size; slot++) {
    if (matches(collection.payloadAt(slot))) count++;
  }
  return count;
}

/** One page of matching points, walking `keysInIdOrder` (keys after the cursor, by id). */
export function scrollPoints(
  collection: LoadedCollection,
  keysInIdOrder: Iterable<number>,
  query: ScrollQuery,
): PointPage {
  const matches = isEmptyFilter(query.filter) ? undefined : compileFilter(query.filter!);
  const points: StoredPoint[] = [];
  let more = false;
  for (const key of keysInIdOrder) {
    const slot = collection.slotOfKey(key);
    if (slot === undefined || (matches && !matches(collection.payloadAt(slot)))) continue;
    if (points.length === query.limit) {
      more = true;
      break;
    }
    points.push(pointAt(collection, slot, query.withPayload, query.withVector));
  }
  const last = points.at(-1);
  return more && last ? { points, nextAfter: last.id } : { points };
}
