import type { MessageInitShape } from "@bufbuild/protobuf";
import { create, toBinary } from "@bufbuild/protobuf";
import { ChunkSchema } from "../../gen/ragplane/v1/ingestion_pb.js";
import { generateFlatDataset } from "../dataset.js";
import { randomIndex, seededRandom } from "../prng.js";
import type { RagBenchOptions } from "./options.js";

/** One chunk of the benchmark's documents, as both paths write it. */
export type ChunkInit = MessageInitShape<typeof ChunkSchema>;

/** The content type ingestion projects. */
export const chunkContentType = "application/vnd.ragplane.chunk+protobuf";

/** A round's chunks and the query vectors searched later. */
export interface RagData {
  readonly chunks: readonly ChunkInit[];
  readonly queries: readonly number[][];
}

/**
 * `count` chunks of 10 documents' worth each (ids `<prefix>doc-<n>/<k>`), clustered
 * vectors, a short text, `entitiesPerChunk` entities from a pool of `entityPool` (ids
 * `<prefix>ent-<n>`, label `Entity`) and a chain of relations between them
 * (`MENTIONED_WITH`). The same seed gives the same chunks.
 */
export function ragData(
  prefix: string,
  count: number,
  options: RagBenchOptions,
  seed: number,
): RagData {
  const dataset = generateFlatDataset({
    points: count,
    dimension: options.dimension,
    clusters: 20,
    spread: 0.3,
    queries: options.retrieve.queries,
    queryNoise: 0.1,
    seed,
  });
  const random = seededRandom(seed);
  const { dimension } = options;
  const chunks = Array.from({ length: count }, (_, i): ChunkInit => {
    const entityIds = new Set<string>();
    while (entityIds.size < options.entitiesPerChunk) {
      entityIds.add(`${prefix}ent-${randomIndex(random, options.entityPool)}`);
    }
    const entities = [...entityIds];
    return {
      documentId: `${prefix}doc-${Math.floor(i / 10)}`,
      chunkId: String(i % 10),
      text: `Chunk ${i % 10} of document ${Math.floor(i / 10)}, which mentions ${entities.join(", ")}.`,
      vector: Array.from(dataset.vectors.subarray(i * dimension, (i + 1) * dimension)),
      entities: entities.map((id) => ({ id, labels: ["Entity"], properties: {} })),
      relations: entities.slice(1).map((id, k) => ({
        fromId: entities[k]!,
        toId: id,
        type: "MENTIONED_WITH",
      })),
    };
  });
  const queries = Array.from({ length: options.retrieve.queries }, (_, q) =>
    Array.from(dataset.queries.subarray(q * dimension, (q + 1) * dimension)),
  );
  return { chunks, queries };
}

/** A chunk as an event payload. */
export function encodeChunk(chunk: ChunkInit): Uint8Array {
  return toBinary(ChunkSchema, create(ChunkSchema, chunk));
}
