import { setTimeout as sleep } from "node:timers/promises";
import type { JsonObject } from "@bufbuild/protobuf";
import type { RagClients } from "./clients.js";
import { type ChunkInit, chunkContentType, encodeChunk } from "./data.js";
import type { RagBenchOptions } from "./options.js";

/** How long ingestion may take to catch up with one round before the benchmark fails. */
const catchUpTimeoutMs = 600_000;

/** The point id ingestion derives from a chunk, which the direct path writes too. */
export function pointId(chunk: ChunkInit): string {
  return `${chunk.documentId}/${chunk.chunkId}`;
}

/**
 * The direct write path: per batch of chunks, UpsertNodes of its entities, Upsert of its
 * points (payload as ingestion writes it) and UpsertRelationships of its relations (each
 * entity and relation once per batch, as a request must name them), in that order,
 * `batchesInFlight` batches at a time.
 */
export async function writeDirectly(
  clients: RagClients,
  collection: string,
  chunks: readonly ChunkInit[],
  options: RagBenchOptions,
): Promise<void> {
  await inBatches(chunks, options, async (batch) => {
    const nodes = new Map(batch.flatMap((chunk) => (chunk.entities ?? []).map((e) => [e.id, e])));
    await clients.graphs.upsertNodes({ nodes: [...nodes.values()] });
    await clients.vectors.upsert({
      collection,
      points: batch.map((chunk) => ({
        id: pointId(chunk),
        vector: chunk.vector ?? [],
        payload: {
          document_id: chunk.documentId ?? "",
          chunk_id: chunk.chunkId ?? "",
          text: chunk.text ?? "",
          entity_ids: (chunk.entities ?? []).map((entity) => entity.id ?? ""),
        } satisfies JsonObject,
      })),
    });
    const relationships = new Map(
      batch.flatMap((chunk) =>
        (chunk.relations ?? []).map((r) => [`${r.fromId}\n${r.type}\n${r.toId}`, r]),
      ),
    );
    await clients.graphs.upsertRelationships({ relationships: [...relationships.values()] });
  });
}

/**
 * The ingestion path: publishes the chunks to `topic` (whose ingestion is configured),
 * `batchesInFlight` Publish calls at a time, then waits until GetIngestion reports no lag:
 * every chunk projected into vectors and graph, and acknowledged.
 */
export async function ingest(
  clients: RagClients,
  topic: string,
  chunks: readonly ChunkInit[],
  options: RagBenchOptions,
): Promise<void> {
  await inBatches(chunks, options, async (batch) => {
    await clients.events.publish({
      topic,
      events: batch.map((chunk) => ({
        id: pointId(chunk),
        payload: encodeChunk(chunk),
        contentType: chunkContentType,
      })),
    });
  });
  await caughtUp(clients, topic);
}

/** Resolves once the topic's ingestion has no lag left. */
export async function caughtUp(clients: RagClients, topic: string): Promise<void> {
  const deadline = Date.now() + catchUpTimeoutMs;
  for (;;) {
    const { ingestion } = await clients.ingestion.getIngestion({ topic });
    if (ingestion !== undefined && ingestion.lag === 0n) return;
    if (Date.now() > deadline) {
      throw new Error(`ingestion of ${topic} still lags ${ingestion?.lag} events`);
    }
    await sleep(20);
  }
}

async function inBatches(
  chunks: readonly ChunkInit[],
  options: RagBenchOptions,
  write: (batch: readonly ChunkInit[]) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const start = next;
      next += options.batchSize;
      await write(chunks.slice(start, start + options.batchSize));
    }
  };
  await Promise.all(Array.from({ length: options.batchesInFlight }, worker));
}
