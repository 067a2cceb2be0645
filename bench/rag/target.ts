import { performance } from "node:perf_hooks";
import { Distance } from "../../gen/ragplane/v1/vectors_pb.js";
import type { BenchChild } from "../children.js";
import { runRounds } from "../engines/rounds.js";
import { whenAnswering, whenAvailable } from "../engines/servers.js";
import { processCpuMicros } from "../neighbours/proc-cpu.js";
import { type RagClients, ragClients } from "./clients.js";
import { type ChunkInit, ragData } from "./data.js";
import { caughtUp, ingest, writeDirectly } from "./ingest.js";
import type { RagBenchOptions } from "./options.js";
import type { IngestPath, IngestRound, TargetReport } from "./report.js";
import { retrievePaths } from "./retrieve.js";

const directCollection = "rag-direct";
const ingestedCollection = "rag-ingested";
const topic = "rag-chunks";
const warmupChunks = 300;

/** The ragplane child to measure and the real engines' processes behind it, if any. */
export interface RagTarget {
  readonly kind: "embedded" | "real";
  readonly engines: string;
  readonly server: BenchChild;
  readonly enginePids: readonly number[];
}

/**
 * Measures one target: loads the same chunks through the direct write path and through
 * ingestion in interleaved rounds (after an un-measured warm-up round of each), checks
 * both wrote every point, then compares Retrieve with Search + Neighbors on the ingested
 * collection.
 */
export async function measureTarget(
  target: RagTarget,
  options: RagBenchOptions,
  log: (message: string) => void,
): Promise<TargetReport> {
  const clients = ragClients(target.server);
  try {
    await prepare(clients, options);
    const cpu = (): { server: number; engines: number } => ({
      server: processCpuMicros(target.server.pid),
      engines: target.enginePids.reduce((total, pid) => total + processCpuMicros(pid), 0),
    });
    const measured = async (chunks: readonly ChunkInit[], load: () => Promise<void>) => {
      const before = cpu();
      const began = performance.now();
      await load();
      const wallMs = performance.now() - began;
      const after = cpu();
      return {
        chunks: chunks.length,
        wallMs,
        serverCpuMicros: after.server - before.server,
        enginesCpuMicros: after.engines - before.engines,
      } satisfies IngestRound;
    };
    const direct = (chunks: readonly ChunkInit[]) =>
      measured(chunks, () => writeDirectly(clients, directCollection, chunks, options));
    const ingested = (chunks: readonly ChunkInit[]) =>
      measured(chunks, () => ingest(clients, topic, chunks, options));

    const warmup = (prefix: string) => ragData(prefix, warmupChunks, options, options.seed).chunks;
    await direct(warmup("wd-"));
    await ingested(warmup("wi-"));
    const rounds: { direct: IngestRound[]; ingestion: IngestRound[] } = {
      direct: [],
      ingestion: [],
    };
    let queries: readonly number[][] = [];
    for (let round = 1; round <= options.rounds; round++) {
      const seed = options.seed + round;
      const forDirect = ragData(`d${round}-`, options.chunksPerRound, options, seed);
      const forIngestion = ragData(`i${round}-`, options.chunksPerRound, options, seed);
      queries = forIngestion.queries;
      rounds.direct.push(await direct(forDirect.chunks));
      rounds.ingestion.push(await ingested(forIngestion.chunks));
      log(
        `${target.kind} round ${round}: direct ${rate(rounds.direct.at(-1)!)} chunks/s, ` +
          `ingestion ${rate(rounds.ingestion.at(-1)!)} chunks/s`,
      );
    }
    const points = {
      direct: await pointCount(clients, directCollection),
      ingestion: await pointCount(clients, ingestedCollection),
    };
    const expected = warmupChunks + options.rounds * options.chunksPerRound;
    if (points.direct !== expected || points.ingestion !== expected) {
      throw new Error(
        `${target.kind}: expected ${expected} points in each collection, found ${points.direct} (direct) and ${points.ingestion} (ingestion)`,
      );
    }

    const check = await clients.retrieval.retrieve({
      collection: ingestedCollection,
      vector: queries[0]!,
      limit: options.retrieve.limit,
      expand: { depth: options.retrieve.depth, limit: options.retrieve.expandLimit },
    });
    const nodesPerHit =
      check.hits.reduce((total, hit) => total + hit.nodes.length, 0) /
      Math.max(1, check.hits.length);
    if (check.hits.length !== options.retrieve.limit || nodesPerHit === 0) {
      throw new Error(
        `${target.kind}: a Retrieve found ${check.hits.length} hits with ${nodesPerHit} nodes each`,
      );
    }
    const paths = retrievePaths(
      target.kind,
      target.server,
      clients,
      ingestedCollection,
      queries,
      options,
    );
    log(`${target.kind}: measuring ${paths.map((p) => p.name).join(", ")}`);
    const retrieve = await runRounds(paths, {
      rounds: options.rounds,
      concurrency: options.retrieve.concurrency,
      measureMs: options.retrieve.measureMs,
      maxRequests: 1_000_000,
      warmupMs: options.retrieve.warmupMs,
      warmupRequests: 1_000_000,
    });
    const ingestPaths = [
      pooled(
        "direct",
        "UpsertNodes, Upsert and UpsertRelationships per batch of chunks",
        rounds.direct,
      ),
      pooled(
        "ingestion",
        "Publish of chunk events, until GetIngestion reports no lag",
        rounds.ingestion,
      ),
    ];
    return {
      kind: target.kind,
      engines: target.engines,
      ingest: ingestPaths,
      ingestRatio: ingestPaths[1]!.chunksPerSecond / ingestPaths[0]!.chunksPerSecond,
      points,
      retrieve,
      retrieveRatio: retrieve[0]!.throughput / retrieve[1]!.throughput,
      nodesPerHit,
    };
  } finally {
    clients.close();
  }
}

async function prepare(clients: RagClients, options: RagBenchOptions): Promise<void> {
  for (const name of [directCollection, ingestedCollection]) {
    await whenAvailable(() =>
      clients.vectors.createCollection({
        name,
        dimension: options.dimension,
        distance: Distance.COSINE,
      }),
    );
  }
  await whenAvailable(() =>
    clients.events.createTopic({ name: topic, partitions: options.partitions }),
  );
  await whenAnswering(() => clients.graphs.getNode({ id: "absent" }));
  await clients.ingestion.putIngestion({ topic, collection: ingestedCollection, graph: true });
  await caughtUp(clients, topic);
}

async function pointCount(clients: RagClients, collection: string): Promise<number> {
  const { collection: found } = await clients.vectors.getCollection({ name: collection });
  return Number(found?.pointCount ?? 0);
}

function pooled(
  name: IngestPath["name"],
  description: string,
  rounds: readonly IngestRound[],
): IngestPath {
  const chunks = rounds.reduce((total, r) => total + r.chunks, 0);
  const wallMs = rounds.reduce((total, r) => total + r.wallMs, 0);
  return {
    name,
    description,
    rounds,
    chunksPerSecond: (1000 * chunks) / wallMs,
    serverCpuMicrosPerChunk: rounds.reduce((t, r) => t + r.serverCpuMicros, 0) / chunks,
    enginesCpuMicrosPerChunk: rounds.reduce((t, r) => t + r.enginesCpuMicros, 0) / chunks,
  };
}

function rate(round: IngestRound): number {
  return Math.round((1000 * round.chunks) / round.wallMs);
}
