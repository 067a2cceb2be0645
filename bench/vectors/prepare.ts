import { BytesClient } from "../grpc-client.js";
import { recallAtK } from "../recall.js";
import { vectorsPaths } from "../requests.js";
import {
  type Built,
  buildCollections,
  type PathKind,
  qdrantCollectionName,
  ragplaneCollectionName,
} from "./build.js";
import {
  chooseQueries,
  exactNeighbours,
  queryVector,
  type SearchFilter,
  searchFilters,
  type VectorData,
  vectorData,
} from "./data.js";
import { runInFlight } from "./loading.js";
import type { VectorsBenchOptions } from "./options.js";
import { encodeRagplaneSearch, ragplaneHitIds } from "./ragplane.js";
import type { Targets } from "./targets.js";

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
  /** Unfiltered first, then each filter when this is the filtered size. */
  readonly workloads: readonly Workload[];
}

/**
 * Generates every size's data, loads it into all three paths ({@link buildCollections}),
 * then per size picks the queries, computes exact neighbours, and measures each path's
 * recall with one call per query.
 */
export async function prepareSizes(
  targets: Targets,
  options: VectorsBenchOptions,
  log: (message: string) => void,
): Promise<{ readonly setups: SizeSetup[]; readonly built: Built }> {
  const datasets = new Map(options.sizes.map((size) => [size, vectorData(options, size)]));
  const built = await buildCollections(targets, options, datasets, log);
  const setups: SizeSetup[] = [];
  for (const [size, loaded] of datasets) {
    setups.push(await measureRecall(targets, options, size, loaded, log));
  }
  return { setups, built };
}

async function measureRecall(
  targets: Targets,
  options: VectorsBenchOptions,
  size: number,
  loaded: Omit<VectorData, "queries">,
  log: (message: string) => void,
): Promise<SizeSetup> {
  const qdrantCollection = qdrantCollectionName(size);
  const ragplaneCollection = ragplaneCollectionName(size);
  const { rest } = targets.qdrant;
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
  return { size, data, workloads };
}
