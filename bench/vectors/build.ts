import { performance } from "node:perf_hooks";
import { rssBytes } from "../load/server-stats.js";
import { processCpuMicros } from "../neighbours/proc-cpu.js";
import { bucketKey, type VectorData } from "./data.js";
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
import { loadThroughRagplane } from "./ragplane.js";
import type { Targets } from "./targets.js";

/** The three ways of searching, each on its own server. */
export const pathKinds = ["qdrant", "embedded", "ragplane-qdrant"] as const;

/** One of {@link pathKinds}. */
export type PathKind = (typeof pathKinds)[number];

/** Prefix of the collections the benchmark creates in Qdrant itself. */
export const directPrefix = "direct_";

/** The collection's name in Qdrant for its own gRPC Search. */
export function qdrantCollectionName(size: number): string {
  return `${directPrefix}${size}`;
}

/** The collection's name in ragplane (both servers). */
export function ragplaneCollectionName(size: number): string {
  return `vectors-${size}`;
}

/** One step of building the collections, timed, with the CPU and memory it cost. */
export interface BuildStep {
  /** Whose collection. */
  readonly path: PathKind;
  /** The sizes the step covers. */
  readonly sizes: readonly number[];
  /** `load`: every Upsert sent and acknowledged; `indexing`: from then until Qdrant reports the collection indexed. */
  readonly step: "load" | "indexing";
  readonly wallMs: number;
  /** CPU time (user + system) of the ragplane server over the step, in ms. */
  readonly ragplaneCpuMs?: number;
  /** CPU time of Qdrant over the step, in ms. */
  readonly qdrantCpuMs?: number;
  /** Resident memory of the ragplane server at the step's end, in bytes. */
  readonly ragplaneRssBytes?: number;
  /** Resident memory of Qdrant at the step's end, in bytes. */
  readonly qdrantRssBytes?: number;
  /** What ran on the machine at the same time, when something of the run did. */
  readonly alongside?: string;
}

/** The built collections and what building them cost. */
export interface Built {
  readonly steps: readonly BuildStep[];
  /** Qdrant's own collections once indexed, by size. */
  readonly qdrantCollections: readonly QdrantCollectionState[];
  /** ragplane's collections in Qdrant once settled. */
  readonly ragplaneCollections: readonly QdrantCollectionState[];
}

/**
 * Loads every size into the three paths: ragplane on Qdrant first; then the embedded
 * engine while Qdrant indexes what ragplane stored (two different processes; the steps
 * say so); then, Qdrant alone again, its own collections, each indexed before the next
 * is loaded. Each step's wall time, CPU time and resident memory is recorded.
 */
export async function buildCollections(
  targets: Targets,
  options: VectorsBenchOptions,
  datasets: ReadonlyMap<number, Omit<VectorData, "queries">>,
  log: (message: string) => void,
): Promise<Built> {
  const { rest, pid: qdrantPid } = targets.qdrant;
  const steps: BuildStep[] = [];
  /** Times `work`, with the CPU and memory of the ragplane server and of Qdrant when they do it. */
  const measure = async (
    step: Omit<BuildStep, "wallMs">,
    workers: { readonly ragplanePid?: number; readonly qdrant: boolean },
    work: () => Promise<void>,
  ): Promise<void> => {
    const { ragplanePid, qdrant } = workers;
    const began = performance.now();
    const ragplaneBefore = ragplanePid === undefined ? 0 : processCpuMicros(ragplanePid);
    const qdrantBefore = processCpuMicros(qdrantPid);
    await work();
    steps.push({
      ...step,
      wallMs: performance.now() - began,
      ...(ragplanePid === undefined
        ? {}
        : {
            ragplaneCpuMs: (processCpuMicros(ragplanePid) - ragplaneBefore) / 1000,
            ragplaneRssBytes: rssBytes(ragplanePid),
          }),
      ...(qdrant
        ? {
            qdrantCpuMs: (processCpuMicros(qdrantPid) - qdrantBefore) / 1000,
            qdrantRssBytes: rssBytes(qdrantPid),
          }
        : {}),
    });
  };
  const sizes = [...datasets.keys()];
  const data = (size: number) => datasets.get(size)!;

  for (const size of sizes) {
    log(`${size}: loading ragplane on Qdrant`);
    await measure(
      { path: "ragplane-qdrant", sizes: [size], step: "load" },
      { ragplanePid: targets.onQdrant.pid, qdrant: true },
      () =>
        loadThroughRagplane(
          targets.onQdrant,
          ragplaneCollectionName(size),
          data(size),
          options.batchSize,
        ),
    );
  }
  let ragplaneCollections: QdrantCollectionState[] = [];
  const settled = measure(
    {
      path: "ragplane-qdrant",
      sizes,
      step: "indexing",
      alongside: "the embedded loads (another process)",
    },
    { qdrant: true },
    async () => {
      ragplaneCollections = [];
      for (const name of await qdrantCollections(rest)) {
        if (name.startsWith(directPrefix)) continue;
        ragplaneCollections.push(await waitForIndexing(rest, name, options.indexTimeoutMs));
      }
    },
  );
  settled.catch(() => undefined);
  for (const size of sizes) {
    log(`${size}: loading ragplane (embedded) while Qdrant indexes ragplane's collections`);
    await measure(
      {
        path: "embedded",
        sizes: [size],
        step: "load",
        alongside: "Qdrant indexing ragplane's collections (another process)",
      },
      { ragplanePid: targets.embedded.pid, qdrant: false },
      () =>
        loadThroughRagplane(
          targets.embedded,
          ragplaneCollectionName(size),
          data(size),
          options.batchSize,
        ),
    );
  }
  log("waiting for Qdrant to index ragplane's collections");
  await settled;

  const qdrantStates: QdrantCollectionState[] = [];
  const d = options.dimension;
  for (const size of sizes) {
    const name = qdrantCollectionName(size);
    const loaded = data(size);
    log(`${size}: loading Qdrant's own collection`);
    await measure({ path: "qdrant", sizes: [size], step: "load" }, { qdrant: true }, async () => {
      await createQdrantCollection(rest, name, d, options.hnsw, bucketKey);
      await runInFlight(inBatches(size, options.batchSize), 2, ([start, end]) => {
        const points = [];
        for (let i = start; i < end; i++) {
          points.push({
            id: i,
            vector: Array.from(loaded.flat.vectors.subarray(i * d, (i + 1) * d)),
            payload: { cluster: loaded.flat.clusterOf[i]!, [bucketKey]: loaded.bucketOf[i]! },
          });
        }
        return upsertQdrantPoints(rest, name, points);
      });
    });
    await measure(
      { path: "qdrant", sizes: [size], step: "indexing" },
      { qdrant: true },
      async () => {
        await startIndexing(rest, name);
        qdrantStates.push(await waitForIndexing(rest, name, options.indexTimeoutMs));
      },
    );
  }
  return { steps, qdrantCollections: qdrantStates, ragplaneCollections };
}
