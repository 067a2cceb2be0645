import type { GraphStore } from "../../clients/graphs/port.js";
import type { VectorStore } from "../../clients/vectors/port.js";
import { dimension, seededRandom } from "../support/retrieval.js";

/** What {@link seedDenseGraph} wrote. */
export interface DenseGraph {
  readonly collection: string;
  readonly query: number[];
}

/**
 * Writes, through the ports, a graph too large to walk within a short deadline: 3,000
 * nodes with about 16,000 relationships, and 150 points naming 10 entities each, so that
 * a Retrieve of 100 hits at depth 3 has about a thousand traversals to run.
 */
export async function seedDenseGraph(
  stores: { readonly vectors: VectorStore; readonly graphs: GraphStore },
  tenant: string,
  prefix: string,
): Promise<DenseGraph> {
  const next = seededRandom(3);
  const nodeCount = 3000;
  const node = (i: number) => `${prefix}n${i}`;
  for (let start = 0; start < nodeCount; start += 1000) {
    await stores.graphs.upsertNodes(
      tenant,
      Array.from({ length: 1000 }, (_, i) => ({
        id: node(start + i),
        labels: ["Entity"],
        properties: { rank: start + i },
      })),
    );
  }
  for (let batch = 0; batch < 16; batch++) {
    await stores.graphs.upsertRelationships(
      tenant,
      Array.from({ length: 1000 }, (_, i) => ({
        id: `${prefix}r${batch}-${i}`,
        fromId: node(Math.floor(next() * nodeCount)),
        toId: node(Math.floor(next() * nodeCount)),
        type: "LINKS",
        properties: {},
      })),
    );
  }
  const collection = `${prefix}chunks`;
  await stores.vectors.createCollection(tenant, {
    name: collection,
    dimension,
    distance: "cosine",
    payloadIndexes: [],
  });
  const vector = () => Array.from({ length: dimension }, () => next() * 2 - 1);
  await stores.vectors.upsert(
    tenant,
    collection,
    Array.from({ length: 150 }, (_, i) => ({
      id: `${prefix}p${i}`,
      vector: vector(),
      payload: {
        entity_ids: Array.from({ length: 10 }, () => node(Math.floor(next() * nodeCount))),
      },
    })),
  );
  return { collection, query: vector() };
}
