import { EmbeddedVectorStore } from "../clients/vectors/embedded/store.js";
import type { PointInput, SearchQuery } from "../clients/vectors/port.js";
import type { BenchOptions } from "./options.js";
import { recallAtK } from "./recall.js";
import { runScenario, type ScenarioResult } from "./scenario.js";

/** What the in-process embedded store measured. */
export interface InProcessResults {
  readonly upsert: ScenarioResult;
  readonly search: ScenarioResult;
  /** recall@limit of HNSW searches against exact ones, on the store directly. */
  readonly recall: number;
}

const tenant = "bench";
const collection = "bench";

/**
 * The baseline without RPC: an {@link EmbeddedVectorStore} in this process, in `dataDir`,
 * loaded with the same batches and searched with the same queries as the server, one
 * call at a time (the store works synchronously, so more in flight would only queue).
 */
export async function benchInProcess(
  dataDir: string,
  options: BenchOptions,
  batches: readonly PointInput[][],
  queries: readonly number[][],
): Promise<InProcessResults> {
  const store = await EmbeddedVectorStore.open({ dataDir });
  try {
    await store.createCollection(tenant, {
      name: collection,
      dimension: options.dataset.dimension,
      distance: "cosine",
    });
    const upsert = await runScenario(
      {
        name: "in-process-upsert",
        description: `EmbeddedVectorStore.upsert, ${options.batchSize} points per call`,
        load: { concurrency: 1, durationMs: options.loadTimeoutMs, maxRequests: batches.length },
        warmupMs: 0,
      },
      (i) => store.upsert(tenant, collection, batches[i]!),
    );
    const query = (vector: readonly number[], exact: boolean): SearchQuery => ({
      vector,
      limit: options.limit,
      withPayload: false,
      withVector: false,
      exact,
    });
    const search = await runScenario(
      {
        name: "in-process-search",
        description: `EmbeddedVectorStore.search, limit ${options.limit}, no RPC`,
        load: { concurrency: 1, durationMs: options.measureMs, maxRequests: options.maxRequests },
        warmupMs: options.warmupMs,
      },
      (i) => store.search(tenant, collection, query(queries[i % queries.length]!, false)),
    );
    const approximate: string[][] = [];
    const exact: string[][] = [];
    for (const vector of queries.slice(0, options.recallQueries)) {
      const ids = async (exactly: boolean): Promise<string[]> =>
        (await store.search(tenant, collection, query(vector, exactly))).map((hit) => hit.id);
      approximate.push(await ids(false));
      exact.push(await ids(true));
    }
    return { upsert, search, recall: recallAtK(approximate, exact, options.limit) };
  } finally {
    await store.close();
  }
}
