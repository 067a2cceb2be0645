import { BatchMatches, exactSearch, MetricKind } from "usearch";
import { type FlatDataset, generateFlatDataset } from "../dataset.js";
import { seededRandom } from "../prng.js";
import { holdsTemplateAction } from "./delimited.js";
import type { VectorsBenchOptions } from "./options.js";

/** The payload key every point carries for the filtered searches: an integer in [0, 100). */
export const bucketKey = "bucket";

/** Values `bucketKey` takes, uniformly and independently of the clusters. */
const buckets = 100;

/** One collection's points and queries, with each point's bucket. */
export interface VectorData {
  readonly flat: FlatDataset;
  /** Point i's `bucket` payload value. */
  readonly bucketOf: Uint8Array;
  /** The queries sent, as indexes into `flat.queries` (see {@link chooseQueries}). */
  readonly queries: readonly number[];
}

/** A payload filter of the filtered searches, by the share of points it keeps. */
export interface SearchFilter {
  /** `1%` or `50%`. */
  readonly name: string;
  /** The condition, in words, for the report. */
  readonly condition: string;
  /** `bucket == equals`, or `bucket < below`. */
  readonly test: { readonly equals: number } | { readonly below: number };
}

/** The two filters: 1 % selective (one bucket) and 50 % (a range over half of them). */
export const searchFilters: readonly SearchFilter[] = [
  { name: "1%", condition: `${bucketKey} = 7 (match)`, test: { equals: 7 } },
  { name: "50%", condition: `${bucketKey} < 50 (range)`, test: { below: 50 } },
];

/** Whether a point of bucket `bucket` passes `filter`. */
export function passes(filter: SearchFilter, bucket: number): boolean {
  return "equals" in filter.test ? bucket === filter.test.equals : bucket < filter.test.below;
}

/**
 * The points and queries of a `points`-point collection: `bench/dataset.ts`'s clustered
 * vectors (a fifth more queries than sent, spares for {@link chooseQueries}) and a
 * seeded bucket per point.
 */
export function vectorData(
  options: VectorsBenchOptions,
  points: number,
): Omit<VectorData, "queries"> {
  const flat = generateFlatDataset({
    points,
    dimension: options.dimension,
    clusters: options.clusters,
    spread: options.spread,
    queries: Math.ceil(options.queries * 1.2),
    queryNoise: options.queryNoise,
    seed: options.seed + points,
  });
  const random = seededRandom((options.seed + points) ^ 0x2545f491);
  const bucketOf = new Uint8Array(points);
  for (let i = 0; i < points; i++) bucketOf[i] = Math.floor(random() * buckets);
  return { flat, bucketOf };
}

/** Query `q`'s vector. */
export function queryVector(flat: FlatDataset, q: number): Float32Array {
  const d = flat.spec.dimension;
  return flat.queries.subarray(q * d, (q + 1) * d);
}

/**
 * The first `count` queries whose every encoding (one per path and filter) is free of
 * `{{`, which ghz would read as a template action; throws when the spares run out.
 */
export function chooseQueries(
  flat: FlatDataset,
  count: number,
  encodings: readonly ((vector: Float32Array) => Uint8Array)[],
): number[] {
  const chosen: number[] = [];
  for (let q = 0; q < flat.spec.queries && chosen.length < count; q++) {
    const vector = queryVector(flat, q);
    if (encodings.every((encode) => !holdsTemplateAction(encode(vector)))) chosen.push(q);
  }
  if (chosen.length < count) {
    throw new Error(`only ${chosen.length} of ${flat.spec.queries} queries encode without {{`);
  }
  return chosen;
}

/**
 * The exact `k` nearest points (cosine) of every chosen query among the points that pass
 * `filter` (all points without one), by id, best first: brute force with usearch's
 * native exact search in this process, apart from every path measured.
 */
export function exactNeighbours(
  data: VectorData,
  filter: SearchFilter | undefined,
  k: number,
): string[][] {
  const { flat } = data;
  const d = flat.spec.dimension;
  const members: number[] = [];
  for (let i = 0; i < flat.spec.points; i++) {
    if (filter === undefined || passes(filter, data.bucketOf[i]!)) members.push(i);
  }
  const subset = filter === undefined ? flat.vectors : new Float32Array(members.length * d);
  if (filter !== undefined) {
    for (const [row, point] of members.entries()) {
      subset.set(flat.vectors.subarray(point * d, (point + 1) * d), row * d);
    }
  }
  const queries = new Float32Array(data.queries.length * d);
  for (const [row, q] of data.queries.entries()) queries.set(queryVector(flat, q), row * d);
  const wanted = Math.min(k, members.length);
  const found = exactSearch(subset, queries, d, wanted, MetricKind.Cos);
  if (!(found instanceof BatchMatches))
    throw new Error("usearch returned one match list for a batch");
  return data.queries.map((_, row) => {
    const count = Number(found.counts[row]);
    const ids: string[] = [];
    for (let j = 0; j < count; j++) {
      ids.push(flat.ids[members[Number(found.keys[row * found.k + j])]!]!);
    }
    return ids;
  });
}
