import type { Hit } from "../../gen/ragplane/v1/vectors_pb.js";
import type { BenchChild } from "../children.js";
import type { BenchPath } from "../engines/rounds.js";
import type { RagClients } from "./clients.js";
import type { RagBenchOptions } from "./options.js";

/**
 * The two ways of answering one RAG query over `collection`, as closed-loop paths: one
 * Retrieve (search, then the graph around each hit's entities, on the server), and what a
 * client does without it — a Search, then one Neighbors per entity of each hit, in
 * parallel, merged per hit on the client. Both take the next query vector in turn.
 */
export function retrievePaths(
  target: string,
  server: BenchChild,
  clients: RagClients,
  collection: string,
  queries: readonly number[][],
  options: RagBenchOptions,
): BenchPath[] {
  const { limit, depth, expandLimit } = options.retrieve;
  let retrieveNext = 0;
  let composeNext = 0;
  const query = (i: number): number[] => queries[i % queries.length]!;
  return [
    {
      name: `${target}/retrieve`,
      description: `Retrieve, limit ${limit}, depth ${depth}, ${expandLimit} nodes per hit`,
      server,
      call: () =>
        clients.retrieval.retrieve({
          collection,
          vector: query(retrieveNext++),
          limit,
          expand: { depth, limit: expandLimit },
        }),
    },
    {
      name: `${target}/search+neighbors`,
      description: `Search (limit ${limit}, with payload), then Neighbors (depth ${depth}, limit ${expandLimit}) of every entity of every hit, merged per hit`,
      server,
      call: async () => {
        const { hits } = await clients.vectors.search({
          collection,
          vector: query(composeNext++),
          limit,
          withPayload: true,
        });
        return await Promise.all(
          hits.map(async (hit) => {
            const subgraphs = await Promise.all(
              entityIds(hit).map((nodeId) =>
                clients.graphs.neighbors({ nodeId, maxDepth: depth, limit: expandLimit }),
              ),
            );
            const nodes = new Map(subgraphs.flatMap((s) => s.nodes.map((n) => [n.id, n])));
            return { hit, nodes: [...nodes.values()].slice(0, expandLimit + subgraphs.length) };
          }),
        );
      },
    },
  ];
}

function entityIds(hit: Hit): string[] {
  const ids = hit.payload?.entity_ids;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
}
