import type { JsonObject } from "@bufbuild/protobuf";
import { seededRandom } from "../../bench/prng.js";
import type {
  Distance,
  PointInput,
  ScoredPoint,
  SearchQuery,
  StoredPoint,
  VectorStore,
} from "../../clients/vectors/port.js";
import {
  type ContractContext as SharedContext,
  type StoreHarness,
  useContractContext,
} from "./harness.js";

/** What a contract run needs from a VectorStore adapter. */
export type VectorStoreHarness = StoreHarness<VectorStore>;

/** Opens a fresh harness; called before every test. */
export type OpenVectorStore = () => Promise<VectorStoreHarness>;

/** Per-test state shared by the contract sections. */
export type ContractContext = SharedContext<VectorStore>;

export { useContractContext };

/** A point literal. */
export function point(id: string, vector: number[], payload?: JsonObject): PointInput {
  return payload === undefined ? { id, vector } : { id, vector, payload };
}

/** A search with defaults: limit 10, no payload, no vector, approximate. */
export function query(vector: number[], options: Partial<SearchQuery> = {}): SearchQuery {
  return { vector, limit: 10, withPayload: false, withVector: false, exact: false, ...options };
}

/** The ids of points or hits, in order. */
export function ids(points: readonly (StoredPoint | ScoredPoint)[]): string[] {
  return points.map((p) => p.id);
}

/** `count` random vectors of `dimension` components in [-1, 1). */
export function randomVectors(count: number, dimension: number, seed: number): number[][] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () =>
    Array.from({ length: dimension }, () => Math.fround(random() * 2 - 1)),
  );
}

/** The reference score of two vectors under a distance, as Qdrant defines it. */
export function referenceScore(
  distance: Distance,
  a: readonly number[],
  b: readonly number[],
): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  let squared = 0;
  a.forEach((x, i) => {
    const y = b[i] as number;
    dot += x * y;
    normA += x * x;
    normB += y * y;
    squared += (x - y) ** 2;
  });
  if (distance === "euclid") return Math.sqrt(squared);
  if (distance === "dot") return dot;
  return dot / Math.sqrt(normA * normB);
}

/** Brute-force top-`limit` ids among `points` (optionally only those passing `keep`). */
export function referenceTop(
  distance: Distance,
  points: readonly { id: string; vector: number[] }[],
  vector: number[],
  limit: number,
): string[] {
  return points
    .map((p) => ({ id: p.id, score: referenceScore(distance, vector, p.vector) }))
    .sort((a, b) => (distance === "euclid" ? a.score - b.score : b.score - a.score))
    .slice(0, limit)
    .map((p) => p.id);
}

/** Writes points in batches of at most 1000. */
export async function upsertAll(
  store: VectorStore,
  tenant: string,
  collection: string,
  points: readonly PointInput[],
): Promise<void> {
  for (let start = 0; start < points.length; start += 1000) {
    await store.upsert(tenant, collection, points.slice(start, start + 1000));
  }
}
