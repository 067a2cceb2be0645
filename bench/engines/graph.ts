import { create, toBinary } from "@bufbuild/protobuf";
import type { GraphNode, GraphRelationship } from "../../clients/graphs/port.js";
import { GraphsService, NeighborsRequestSchema } from "../../gen/ragplane/v1/graphs_pb.js";
import { randomIndex, seededRandom } from "../prng.js";

/** gRPC path of `GraphsService.Neighbors`. */
export const neighborsPath = `/${GraphsService.typeName}/${GraphsService.method.neighbors.name}`;

/** The shape of the generated graph. */
export interface GraphSpec {
  readonly nodes: number;
  readonly relationships: number;
  readonly seed: number;
}

/** A deterministic graph, as the port takes it. */
export interface BenchGraph {
  readonly nodes: readonly GraphNode[];
  readonly relationships: readonly GraphRelationship[];
}

const labels = ["Doc", "Chunk", "Entity"] as const;
const types = ["LINKS", "MENTIONS"] as const;

/**
 * Nodes `n00000`… with one of three labels and a `name`; relationships `r00000`… between
 * two distinct nodes drawn uniformly from a seeded PRNG, of one of two types, with a
 * `weight`. The same spec always gives the same graph.
 */
export function generateGraph(spec: GraphSpec): BenchGraph {
  const random = seededRandom(spec.seed);
  const nodeIds = ids("n", spec.nodes);
  const nodes = nodeIds.map((id, i) => ({
    id,
    labels: [labels[i % labels.length]!],
    properties: { name: `node ${i}` },
  }));
  const relationships = ids("r", spec.relationships).map((id) => {
    const from = randomIndex(random, spec.nodes);
    const to = (from + 1 + randomIndex(random, spec.nodes - 1)) % spec.nodes;
    return {
      id,
      fromId: nodeIds[from]!,
      toId: nodeIds[to]!,
      type: types[randomIndex(random, types.length)]!,
      properties: { weight: Math.round(random() * 1000) / 1000 },
    };
  });
  return { nodes, relationships };
}

/** `count` start nodes drawn (with repeats) from a PRNG seeded apart from the graph's. */
export function startNodes(graph: BenchGraph, count: number, seed: number): string[] {
  const random = seededRandom(seed ^ 0x2545f491);
  return Array.from(
    { length: count },
    () => graph.nodes[randomIndex(random, graph.nodes.length)]!.id,
  );
}

/** Encoded `NeighborsRequest`s, one per start node, both directions, any type or label. */
export function encodeNeighborsRequests(
  starts: readonly string[],
  maxDepth: number,
  limit: number,
): Buffer[] {
  return starts.map((nodeId) =>
    Buffer.from(
      toBinary(NeighborsRequestSchema, create(NeighborsRequestSchema, { nodeId, maxDepth, limit })),
    ),
  );
}

/** Splits `items` into consecutive slices of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size)
    out.push(items.slice(start, start + size));
  return out;
}

function ids(prefix: string, count: number): string[] {
  const width = String(count - 1).length;
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(width, "0")}`);
}
