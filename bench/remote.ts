import { createClient } from "@connectrpc/connect";
import type { PointInput } from "../clients/vectors/port.js";
import { Distance, VectorsService } from "../gen/ragplane/v1/vectors_pb.js";
import { withHeaders } from "../tests/support/credentials.js";
import { createGrpcJsTransport } from "../tests/support/grpc-js-transport.js";
import type { BenchChild } from "./children.js";
import { BytesClient } from "./grpc-client.js";
import type { BenchOptions } from "./options.js";
import { recallAtK } from "./recall.js";
import { encodeSearches, encodeUpserts, hitIds, vectorsPaths } from "./requests.js";
import { runScenario, type ScenarioResult } from "./scenario.js";

/** What the ragplane child measured. */
export interface RagplaneResults {
  readonly upsert: ScenarioResult;
  readonly search: ScenarioResult;
  /** recall@limit of HNSW searches against `exact: true` searches, over gRPC. */
  readonly recall: number;
}

const collection = "bench";
const warmupCollection = "bench-warmup";
const warmupBatches = 10;

/**
 * Loads the dataset into the ragplane child through unary Upserts, then measures unary
 * Search and recall, all over its grpc-js port, every call with the credentials the child
 * announced. Collections are managed with the typed Connect client; the measured calls go
 * through {@link BytesClient}.
 */
export async function benchRagplane(
  server: BenchChild,
  options: BenchOptions,
  batches: readonly PointInput[][],
  queries: readonly number[][],
): Promise<RagplaneResults> {
  const upserts = encodeUpserts(collection, batches);
  const warmupUpserts = encodeUpserts(warmupCollection, batches.slice(0, warmupBatches));
  const searches = encodeSearches(collection, queries, options.limit, false);
  const exactSearches = encodeSearches(
    collection,
    queries.slice(0, options.recallQueries),
    options.limit,
    true,
  );
  const address = `127.0.0.1:${server.port}`;
  const transport = createGrpcJsTransport(address);
  const control = createClient(VectorsService, withHeaders(transport, server.headers));
  const client = new BytesClient(address, server.headers);
  try {
    await client.ready();
    const shape = { dimension: options.dataset.dimension, distance: Distance.COSINE };
    await control.createCollection({ name: warmupCollection, ...shape });
    for (const batch of warmupUpserts) await client.call(vectorsPaths.upsert, batch);
    await control.deleteCollection({ name: warmupCollection });
    await control.createCollection({ name: collection, ...shape });

    const upsert = await runScenario(
      {
        name: "grpc-upsert",
        description: `Upsert over grpc-js, ${options.batchSize} points per call`,
        load: {
          concurrency: options.upsertConcurrency,
          durationMs: options.loadTimeoutMs,
          maxRequests: upserts.length,
        },
        warmupMs: 0,
        server,
      },
      (i) => client.call(vectorsPaths.upsert, upserts[i]!),
    );
    const { collection: loaded } = await control.getCollection({ name: collection });
    if (Number(loaded?.pointCount) !== options.dataset.points) {
      throw new Error(`expected ${options.dataset.points} points, found ${loaded?.pointCount}`);
    }

    const search = await runScenario(
      {
        name: "grpc-search",
        description: `Search over grpc-js, limit ${options.limit}`,
        load: {
          concurrency: options.concurrency,
          durationMs: options.measureMs,
          maxRequests: options.maxRequests,
        },
        warmupMs: options.warmupMs,
        server,
        profilePath: options.searchProfile,
      },
      (i) => client.call(vectorsPaths.search, searches[i % searches.length]!),
    );

    const approximate: string[][] = [];
    const exact: string[][] = [];
    for (let i = 0; i < exactSearches.length; i++) {
      approximate.push(hitIds(await client.call(vectorsPaths.search, searches[i]!)));
      exact.push(hitIds(await client.call(vectorsPaths.search, exactSearches[i]!)));
    }
    return { upsert, search, recall: recallAtK(approximate, exact, options.limit) };
  } finally {
    client.close();
    transport.close();
  }
}
