import { Matches, exactSearch as nativeExactSearch } from "usearch";
import type { PayloadPredicate } from "../filter.js";
import { type LoadedCollection, metricFor } from "./collection.js";
import { byScore, type SlotScore, scoreAt, TopK } from "./math.js";
import type { SearchScratch } from "./scratch.js";
import { allows, type IndexedMatches, listSlots } from "./value-index.js";

/**
 * When the embedded engine searches exactly instead of through HNSW. Measured at 384
 * dimensions on one core: HNSW ≈ 200 µs per search at 10k points; usearch's SIMD brute
 * force ≈ 60 ns per vector (10k ≈ 0.6 ms); a plain JS loop ≈ 0.7 µs per vector.
 */
export const searchTuning = {
  /** Collections, or filter matches, of at most this many points are searched exactly. */
  exactMaxPoints: 2048,
  /** Filters matching less than this fraction of the collection are searched exactly. */
  exactMaxSelectivity: 0.02,
  /** How many times `limit / selectivity` HNSW candidates to fetch before filtering. */
  oversample: 2,
  /** Most candidates asked of HNSW for a filtered search; beyond it, search exactly. */
  maxCandidates: 4096,
  /** Filter matches up to this many are scored in JS rather than gathered for usearch. */
  jsMaxPoints: 256,
  /** Floats gathered per usearch brute-force call (4 MiB). */
  gatherFloats: 1 << 20,
} as const;

/**
 * The best `limit` slots for a prepared query (unit length for cosine), among those whose
 * payload satisfies `predicate`, best first. Every hit matches the filter, and when HNSW
 * cannot supply `limit` matches the matching points are searched exhaustively, so a
 * selective filter never loses hits. `indexed` (what payload indexes make of the filter)
 * spares testing every other point, and every point at all when it is exact.
 */
export function searchSlots(
  collection: LoadedCollection,
  scratch: SearchScratch,
  query: Float32Array,
  limit: number,
  predicate: PayloadPredicate | undefined,
  exact: boolean,
  indexed?: IndexedMatches,
): SlotScore[] {
  const size = collection.size;
  if (size === 0 || limit <= 0) return [];
  const plain = plainIndexWanted(collection, limit, predicate, exact);
  if (plain !== undefined) {
    const { keys } = collection.index.search(query, plain, 1);
    return completeIndexSearch(collection, query, plain, keys, 0, keys.length);
  }
  if (predicate === undefined) return exactAll(collection, query, Math.min(limit, size));
  if (indexed?.exact && !exact) {
    const hits = indexedGraphSearch(collection, query, limit, indexed);
    if (hits !== undefined) return hits;
  }
  const slots = scratch.slots(size);
  let matching = 0;
  if (indexed === undefined) {
    for (let slot = 0; slot < size; slot++) {
      if (predicate(collection.payloadAt(slot))) slots[matching++] = slot;
    }
  } else {
    const listed = listSlots(indexed, slots);
    for (let i = 0; i < listed; i++) {
      const slot = slots[i] as number;
      if (indexed.exact || predicate(collection.payloadAt(slot))) slots[matching++] = slot;
    }
  }
  if (matching === 0) return [];
  const matches = slots.subarray(0, matching);
  const wanted = Math.min(limit, matching);
  if (exact || !graphPays(size, matching, wanted)) {
    return exactSubset(collection, scratch, query, wanted, matches);
  }
  const mask = scratch.mask(size);
  for (const slot of matches) mask[slot] = 1;
  const hits = indexSearch(
    collection,
    query,
    candidatesFor(size, matching, wanted),
    (slot) => mask[slot] === 1,
  );
  if (hits.length >= wanted) return hits.slice(0, wanted);
  return exactSubset(collection, scratch, query, wanted, matches);
}

/**
 * The graph walk for a filter the payload indexes answered exactly, tested bit by bit
 * without listing the matches; undefined when the matches are few enough to score them
 * all, or the walk found too few of them.
 */
function indexedGraphSearch(
  collection: LoadedCollection,
  query: Float32Array,
  limit: number,
  indexed: IndexedMatches,
): SlotScore[] | undefined {
  const wanted = Math.min(limit, indexed.count);
  if (wanted === 0) return [];
  if (!graphPays(collection.size, indexed.count, wanted)) return undefined;
  const candidates = candidatesFor(collection.size, indexed.count, wanted);
  const hits = indexSearch(collection, query, candidates, (slot) => allows(indexed, slot));
  return hits.length >= wanted ? hits.slice(0, wanted) : undefined;
}

/** HNSW candidates that hold about `oversample × wanted` matches, if the graph had them all. */
function matchingCandidates(size: number, matching: number, wanted: number): number {
  return Math.ceil((searchTuning.oversample * wanted * size) / matching);
}

/** HNSW candidates to ask for: {@link matchingCandidates}, at most the whole collection. */
function candidatesFor(size: number, matching: number, wanted: number): number {
  return Math.min(size, matchingCandidates(size, matching, wanted));
}

/** Whether walking the graph beats scoring every match. */
function graphPays(size: number, matching: number, wanted: number): boolean {
  return (
    matching > searchTuning.exactMaxPoints &&
    matching >= size * searchTuning.exactMaxSelectivity &&
    matchingCandidates(size, matching, wanted) <= searchTuning.maxCandidates
  );
}

/** Brute force over the whole collection with usearch, rescored in JS. */
function exactAll(collection: LoadedCollection, query: Float32Array, wanted: number): SlotScore[] {
  const { dimension, vectors, size } = collection;
  const top = new TopK(wanted, collection.distance);
  offerNative(
    collection,
    top,
    vectors.subarray(0, size * dimension),
    size,
    query,
    wanted,
    (i) => i,
  );
  return top.sorted();
}

/** Brute force over some slots (ascending): in JS when few, else gathered for usearch. */
function exactSubset(
  collection: LoadedCollection,
  scratch: SearchScratch,
  query: Float32Array,
  wanted: number,
  slots: Int32Array,
): SlotScore[] {
  const { distance, dimension, vectors } = collection;
  const top = new TopK(wanted, distance);
  if (slots.length <= searchTuning.jsMaxPoints) {
    for (const slot of slots) top.offer(slot, scoreAt(distance, query, vectors, slot * dimension));
    return top.sorted();
  }
  const chunk = Math.max(1, Math.floor(searchTuning.gatherFloats / dimension));
  const buffer = scratch.floats(Math.min(chunk, slots.length) * dimension);
  for (let start = 0; start < slots.length; start += chunk) {
    const rows = Math.min(chunk, slots.length - start);
    gather(vectors, dimension, slots, start, rows, buffer);
    const data = buffer.subarray(0, rows * dimension);
    offerNative(collection, top, data, rows, query, Math.min(wanted, rows), (i) => {
      return slots[start + i] as number;
    });
  }
  return top.sorted();
}

/** Copies the vectors of `rows` slots into `buffer`, one copy per run of adjacent slots. */
function gather(
  vectors: Float32Array,
  dimension: number,
  slots: Int32Array,
  start: number,
  rows: number,
  buffer: Float32Array,
): void {
  let row = 0;
  while (row < rows) {
    const first = slots[start + row] as number;
    let run = 1;
    while (row + run < rows && slots[start + row + run] === first + run) run++;
    buffer.set(vectors.subarray(first * dimension, (first + run) * dimension), row * dimension);
    row += run;
  }
}

/**
 * Runs usearch's brute force over `rows` contiguous vectors (the binding reads from the
 * start of the underlying buffer, so `data` must begin at byte 0) and offers the best
 * `wanted` to `top`, rescored in JS. `slotOf` maps a row back to its slot.
 */
function offerNative(
  collection: LoadedCollection,
  top: TopK,
  data: Float32Array,
  rows: number,
  query: Float32Array,
  wanted: number,
  slotOf: (row: number) => number,
): void {
  const { distance, dimension, vectors } = collection;
  const result = nativeExactSearch(data, query, dimension, wanted, metricFor(distance), 1);
  const keys = result instanceof Matches ? result.keys : result.get(0).keys;
  for (let i = 0; i < keys.length; i++) {
    const row = Number(keys[i]);
    if (row >= rows) continue;
    const slot = slotOf(row);
    top.offer(slot, scoreAt(distance, query, vectors, slot * dimension));
  }
}

/**
 * How many hits an unfiltered search would ask of HNSW, or undefined when
 * {@link searchSlots} would not take that path (empty collection, exact, small, filtered).
 * For such a search, `searchSlots` equals {@link completeIndexSearch} applied to the
 * index's matches for `wanted`, which lets concurrent searches share one index call.
 */
export function plainIndexWanted(
  collection: LoadedCollection,
  limit: number,
  predicate: PayloadPredicate | undefined,
  exact: boolean,
): number | undefined {
  const size = collection.size;
  if (predicate !== undefined || exact || limit <= 0 || size <= searchTuning.exactMaxPoints) {
    return undefined;
  }
  return Math.min(limit, size);
}

/**
 * The rest of an unfiltered HNSW search (see {@link plainIndexWanted}) once the index
 * returned `count` keys from `keys[start]`: rescored, and searched exactly when HNSW
 * found fewer than `wanted`.
 */
export function completeIndexSearch(
  collection: LoadedCollection,
  query: Float32Array,
  wanted: number,
  keys: BigUint64Array,
  start: number,
  count: number,
): SlotScore[] {
  const hits = rescore(collection, query, keys, start, count, undefined);
  return hits.length >= wanted ? hits : exactAll(collection, query, wanted);
}

/** HNSW candidates, rescored in JS, keeping those `keep` allows, best first. */
function indexSearch(
  collection: LoadedCollection,
  query: Float32Array,
  candidates: number,
  keep: (slot: number) => boolean,
): SlotScore[] {
  const { keys } = collection.index.search(query, candidates, 1);
  return rescore(collection, query, keys, 0, keys.length, keep);
}

/** `count` index keys from `keys[start]`, rescored in JS, keeping those `keep` allows, best first. */
function rescore(
  collection: LoadedCollection,
  query: Float32Array,
  keys: BigUint64Array,
  start: number,
  count: number,
  keep: ((slot: number) => boolean) | undefined,
): SlotScore[] {
  const { distance, dimension, vectors } = collection;
  const hits: SlotScore[] = [];
  for (let i = start; i < start + count; i++) {
    const slot = collection.slotOfKey(Number(keys[i]));
    if (slot === undefined || (keep !== undefined && !keep(slot))) continue;
    hits.push({ slot, score: scoreAt(distance, query, vectors, slot * dimension) });
  }
  return hits.sort(byScore(distance));
}
