import { setTimeout as sleep } from "node:timers/promises";
import type { HnswSettings } from "./options.js";

/** A Qdrant server's REST endpoint and API key. */
export interface QdrantRest {
  /** e.g. `http://127.0.0.1:6333`. */
  readonly url: string;
  readonly apiKey: string;
}

/** What the report keeps of a Qdrant collection's state. */
export interface QdrantCollectionState {
  readonly name: string;
  /** `green` once every optimization is done. */
  readonly status: string;
  readonly pointsCount: number;
  /** Vectors in HNSW-indexed segments; the rest are searched by a full scan. */
  readonly indexedVectorsCount: number;
  readonly segmentsCount: number;
  /** `m` 0 with a `payloadM` builds no global graph, only one per tenant (payload partition). */
  readonly hnsw: { readonly m?: number; readonly efConstruct?: number; readonly payloadM?: number };
  /** `optimizer_config.indexing_threshold`, in KB: a smaller segment is never indexed. */
  readonly indexingThresholdKb?: number;
}

/** One REST call with the API key; throws with Qdrant's answer when it is not 2xx. */
export async function qdrantRequest<T>(
  qdrant: QdrantRest,
  method: "GET" | "PUT" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${qdrant.url}${path}`, {
    method,
    headers: { "api-key": qdrant.apiKey, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Qdrant ${method} ${path}: ${response.status} ${text}`);
  return (JSON.parse(text) as { result: T }).result;
}

/**
 * Creates a cosine collection with the benchmark's HNSW settings and an integer payload
 * index on `payloadKey` (before any point, so the index's extra filter links are built),
 * its indexing off while it loads (Qdrant's advice for bulk loads; {@link startIndexing}
 * turns it on).
 */
export async function createQdrantCollection(
  qdrant: QdrantRest,
  name: string,
  dimension: number,
  hnsw: HnswSettings,
  payloadKey: string,
): Promise<void> {
  await qdrantRequest(qdrant, "PUT", `/collections/${name}`, {
    vectors: { size: dimension, distance: "Cosine" },
    hnsw_config: { m: hnsw.m, ef_construct: hnsw.efConstruct },
    optimizers_config: { indexing_threshold: 0 },
  });
  await qdrantRequest(qdrant, "PUT", `/collections/${name}/index?wait=true`, {
    field_name: payloadKey,
    field_schema: "integer",
  });
}

/** Writes points (ids 0…n−1 as Qdrant's integer ids), waiting for each batch to apply. */
export async function upsertQdrantPoints(
  qdrant: QdrantRest,
  name: string,
  points: readonly {
    readonly id: number;
    readonly vector: readonly number[];
    readonly payload: object;
  }[],
): Promise<void> {
  await qdrantRequest(qdrant, "PUT", `/collections/${name}/points?wait=true`, { points });
}

/**
 * Lets the optimizer index every segment of a loaded collection: an indexing threshold
 * of 1 KB, so no segment stays a plain (full-scan) one whatever its size.
 */
export async function startIndexing(qdrant: QdrantRest, name: string): Promise<void> {
  await qdrantRequest(qdrant, "PATCH", `/collections/${name}`, {
    optimizers_config: { indexing_threshold: 1 },
  });
}

/** The names of every collection. */
export async function qdrantCollections(qdrant: QdrantRest): Promise<string[]> {
  const result = await qdrantRequest<{ collections: { name: string }[] }>(
    qdrant,
    "GET",
    "/collections",
  );
  return result.collections.map((c) => c.name).sort();
}

/** A collection's status, counts and index settings. */
export async function qdrantCollectionState(
  qdrant: QdrantRest,
  name: string,
): Promise<QdrantCollectionState> {
  const info = await qdrantRequest<CollectionInfo>(qdrant, "GET", `/collections/${name}`);
  const threshold = info.config?.optimizer_config?.indexing_threshold;
  const hnsw = info.config?.hnsw_config;
  return {
    name,
    status: info.status,
    pointsCount: info.points_count ?? 0,
    indexedVectorsCount: info.indexed_vectors_count ?? 0,
    segmentsCount: info.segments_count ?? 0,
    hnsw: {
      ...(typeof hnsw?.m === "number" ? { m: hnsw.m } : {}),
      ...(typeof hnsw?.ef_construct === "number" ? { efConstruct: hnsw.ef_construct } : {}),
      ...(typeof hnsw?.payload_m === "number" ? { payloadM: hnsw.payload_m } : {}),
    },
    ...(typeof threshold === "number" ? { indexingThresholdKb: threshold } : {}),
  };
}

/**
 * Polls a collection until its optimizations are done: status `green` on three polls in
 * a row half a second apart, with every point indexed or, when Qdrant leaves some
 * segments plain (below its indexing threshold), the indexed count unchanged over those
 * polls. Returns the final state; throws after `timeoutMs`.
 */
export async function waitForIndexing(
  qdrant: QdrantRest,
  name: string,
  timeoutMs: number,
): Promise<QdrantCollectionState> {
  const deadline = Date.now() + timeoutMs;
  let settled = 0;
  let previous: QdrantCollectionState | undefined;
  for (;;) {
    const state = await qdrantCollectionState(qdrant, name);
    const steady =
      state.status === "green" &&
      (state.indexedVectorsCount >= state.pointsCount ||
        state.indexedVectorsCount === previous?.indexedVectorsCount);
    settled = steady ? settled + 1 : 0;
    if (settled >= 3) return state;
    if (Date.now() > deadline) {
      throw new Error(
        `Qdrant collection ${name} not indexed after ${timeoutMs / 1000} s: ${JSON.stringify(state)}`,
      );
    }
    previous = state;
    await sleep(500);
  }
}

/** The parts of Qdrant's `GET /collections/{name}` answer that are read. */
interface CollectionInfo {
  readonly status: string;
  readonly points_count?: number;
  readonly indexed_vectors_count?: number;
  readonly segments_count?: number;
  readonly config?: {
    readonly hnsw_config?: {
      readonly m?: number;
      readonly ef_construct?: number;
      readonly payload_m?: number | null;
    };
    readonly optimizer_config?: { readonly indexing_threshold?: number | null };
  };
}
