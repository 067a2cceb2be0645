import { performance } from "node:perf_hooks";
import { BytesClient } from "../grpc-client.js";
import { rssBytes } from "../load/server-stats.js";
import { recallAtK } from "../recall.js";
import { vectorsPaths } from "../requests.js";
import {
  bucketKey,
  chooseQueries,
  exactNeighbours,
  queryVector,
  type SearchFilter,
  searchFilters,
  type VectorData,
  vectorData,
} from "./data.js";
import { inBatches, runInFlight } from "./loading.js";
import type { VectorsBenchOptions } from "./options.js";
import {
  createQdrantCollection,
  type QdrantCollectionState,
  qdrantCollections,
  startIndexing,
  upsertQdrantPoints,
  waitForIndexing,
} from "./qdrant-rest.js";
import { encodeRagplaneSearch, loadThroughRagplane, ragplaneHitIds } from "./ragplane.js";
import type { Targets } from "./targets.js";

/** The three ways of searching, each on its own server. */
export const pathKinds = ["qdrant", "embedded", "ragplane-qdrant"] as const;

/** One of {@link pathKinds}. */
export type PathKind = (typeof pathKinds)[number];

/** How long a collection took to become searchable at full speed. */
export interface BuildFigures {
  /** Wall time of the load: every Upsert sent and acknowledged. */
  readonly loadMs: number;
  /** Wall time from the end of the load until Qdrant reported the collection indexed. */
  readonly indexMs?: number;
}

/** One search workload of a size: unfiltered, or under one filter. */
export interface Workload {
  readonly filter?: SearchFilter;
  /** The encoded requests of each path, one per chosen query, in the same order. */
  readonly requests: Readonly<Record<PathKind, readonly Uint8Array[]>>;
  /** recall@limit of each path against exact search, over every chosen query. */
  readonly recall: Readonly<Record<PathKind, number>>;
}

/** A loaded size, ready to be measured. */
export interface SizeSetup {
  readonly size: number;
  readonly data: VectorData;
  /** The collection's name in ragplane (both servers). */
  readonly ragplaneCollection: string;
  /** The collection's name in Qdrant for its own gRPC Search. */
  readonly qdrantCollection: string;
  readonly build: Readonly<Record<PathKind, BuildFigures>>;
  /** Resident memory of each process once this size was loaded (and the smaller ones before it). */
  readonly rssBytes: Readonly<Record<"qdrant" | "embedded" | "ragplaneOnQdrant", number>>;
  /** The collection Qdrant Search runs on, as Qdrant reports it once indexed. */
  readonly qdrantState: QdrantCollectionState;
  /** Every other Qdrant collection (ragplane's), as Qdrant reports them once settled. */
  readonly ragplaneStates: readonly QdrantCollectionState[];
  /** Unfiltered first, then each filter when this is the filtered size. */
  readonly workloads: readonly Workload[];
}

/** Prefix of the collections the benchmark creates in Qdrant itself. */
export const directPrefix = "direct_";

/**
 * Loads `size` points into all three paths one after another (Qdrant's own collection,
 * then ragplane embedded, then ragplane on Qdrant), each load timed alone and every
 * Qdrant collection waited on until indexed; then picks the queries, computes exact
 * neighbours, and measures each path's recall with one call per query.
 */
export async function prepareSize(
  targets: Targets,
  options: VectorsBenchOptions,
  size: number,
  log: (message: string) => void,
): Promise<SizeSetup> {
  const loaded = vectorData(options, size);
  const qdrantCollection = `${directPrefix}${size}`;
  const ragplaneCollection = `vectors-${size}`;
  const { rest } = targets.qdrant;
  const d = options.dimension;

  log(`${size}: loading Qdrant's own collection`);
  let began = performance.now();
  await createQdrantCollection(rest, qdrantCollection, d, options.hnsw, bucketKey);
  await runInFlight(inBatches(size, options.batchSize), 2, ([start, end]) => {
    const points = [];
    for (let i = start; i < end; i++) {
      points.push({
        id: i,
        vector: Array.from(loaded.flat.vectors.subarray(i * d, (i + 1) * d)),
        payload: { cluster: loaded.flat.clusterOf[i]!, [bucketKey]: loaded.bucketOf[i]! },
      });
    }
    return upsertQdrantPoints(rest, qdrantCollection, points);
  });
  const qdrantLoadMs = performance.now() - began;
  began = performance.now();
  await startIndexing(rest, qdrantCollection);
  const qdrantState = await waitForIndexing(rest, qdrantCollection, options.indexTimeoutMs);
  const qdrantIndexMs = performance.now() - began;

  log(`${size}: loading ragplane (embedded)`);
  began = performance.now();
  await loadThroughRagplane(targets.embedded, ragplaneCollection, loaded, options.batchSize);
  const embeddedLoadMs = performance.now() - began;

  log(`${size}: loading ragplane on Qdrant`);
  began = performance.now();
  await loadThroughRagplane(targets.onQdrant, ragplaneCollection, loaded, options.batchSize);
  const onQdrantLoadMs = performance.now() - began;
  began = performance.now();
  const ragplaneStates: QdrantCollectionState[] = [];
  for (const name of await qdrantCollections(rest)) {
    if (name.startsWith(directPrefix)) continue;
    ragplaneStates.push(await waitForIndexing(rest, name, options.indexTimeoutMs));
  }
  const onQdrantIndexMs = performance.now() - began;

  const filters = size === options.filteredSize ? [undefined, ...searchFilters] : [undefined];
  const encoders = filters.flatMap((filter) => [
    (vector: Float32Array) =>
      encodeRagplaneSearch(ragplaneCollection, vector, options.limit, filter),
    (vector: Float32Array) =>
      targets.qdrant.codec.encode({
        collection: qdrantCollection,
        vector,
        limit: options.limit,
        ef: options.hnsw.ef,
        ...(filter === undefined ? {} : { filter }),
      }),
  ]);
  const data: VectorData = {
    ...loaded,
    queries: chooseQueries(loaded.flat, options.queries, encoders),
  };
  const workloads: Workload[] = [];
  for (const [i, filter] of filters.entries()) {
    log(`${size}: recall ${filter === undefined ? "unfiltered" : `filter ${filter.name}`}`);
    const vectors = data.queries.map((q) => queryVector(data.flat, q));
    const ragplane = vectors.map(encoders[2 * i]!);
    const qdrant = vectors.map(encoders[2 * i + 1]!);
    const exact = exactNeighbours(data, filter, options.limit);
    const ids = data.flat.ids;
    const recall = async (
      port: number,
      headers: Readonly<Record<string, string>>,
      method: string,
      requests: readonly Uint8Array[],
      decode: (response: Uint8Array) => string[],
    ): Promise<number> => {
      const client = new BytesClient(`127.0.0.1:${port}`, headers);
      try {
        await client.ready();
        const found = await runInFlight(requests, 8, async (request) =>
          decode(await client.call(method, Buffer.from(request))),
        );
        return recallAtK(found, exact, options.limit);
      } finally {
        client.close();
      }
    };
    workloads.push({
      ...(filter === undefined ? {} : { filter }),
      requests: { qdrant, embedded: ragplane, "ragplane-qdrant": ragplane },
      recall: {
        qdrant: await recall(
          targets.qdrant.grpcPort,
          { "api-key": rest.apiKey },
          `/${targets.qdrant.codec.method}`,
          qdrant,
          (response) => targets.qdrant.codec.hitIds(response).map((n) => ids[n] ?? `#${n}`),
        ),
        embedded: await recall(
          targets.embedded.port,
          targets.embedded.headers,
          vectorsPaths.search,
          ragplane,
          ragplaneHitIds,
        ),
        "ragplane-qdrant": await recall(
          targets.onQdrant.port,
          targets.onQdrant.headers,
          vectorsPaths.search,
          ragplane,
          ragplaneHitIds,
        ),
      },
    });
  }
  return {
    size,
    data,
    ragplaneCollection,
    qdrantCollection,
    build: {
      qdrant: { loadMs: qdrantLoadMs, indexMs: qdrantIndexMs },
      embedded: { loadMs: embeddedLoadMs },
      "ragplane-qdrant": { loadMs: onQdrantLoadMs, indexMs: onQdrantIndexMs },
    },
    rssBytes: {
      qdrant: rssBytes(targets.qdrant.pid),
      embedded: rssBytes(targets.embedded.pid),
      ragplaneOnQdrant: rssBytes(targets.onQdrant.pid),
    },
    qdrantState,
    ragplaneStates,
    workloads,
  };
}
