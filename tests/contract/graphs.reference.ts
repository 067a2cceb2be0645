import { compareIds } from "../../clients/graphs/ordering.js";
import type {
  GraphNode,
  GraphRelationship,
  NeighborsQuery,
  TraversalDirection,
} from "../../clients/graphs/port.js";

/** A whole graph held in memory, as the reference traversals read it. */
export interface MemoryGraph {
  readonly nodes: readonly GraphNode[];
  readonly relationships: readonly GraphRelationship[];
}

function allowed(r: GraphRelationship, types: readonly string[]): boolean {
  return types.length === 0 || types.includes(r.type);
}

/** Ids one hop from `id` along `direction`, over relationships of `types`. */
function hops(
  graph: MemoryGraph,
  id: string,
  direction: TraversalDirection,
  types: readonly string[],
) {
  const next: string[] = [];
  for (const r of graph.relationships) {
    if (!allowed(r, types)) continue;
    if (direction !== "in" && r.fromId === id) next.push(r.toId);
    if (direction !== "out" && r.toId === id) next.push(r.fromId);
  }
  return next;
}

/**
 * The port's `Subgraph` rules applied naively to a graph in memory: a full BFS (no early
 * stop), then sort by (depth, id), cut at `limit`, and keep the followed relationships.
 */
export function referenceNeighbors(graph: MemoryGraph, query: NeighborsQuery) {
  const labelsOf = new Map(graph.nodes.map((n) => [n.id, n.labels]));
  const passes = (id: string) =>
    query.labels.length === 0 || (labelsOf.get(id) ?? []).some((l) => query.labels.includes(l));
  const depth = new Map([[query.nodeId, 0]]);
  let frontier = [query.nodeId];
  for (let d = 1; d <= query.maxDepth; d++) {
    const next = new Set<string>();
    for (const id of frontier) {
      for (const far of hops(graph, id, query.direction, query.types)) {
        if (!depth.has(far) && passes(far)) next.add(far);
      }
    }
    for (const id of next) depth.set(id, d);
    frontier = [...next];
  }
  const reached = [...depth.keys()]
    .filter((id) => id !== query.nodeId)
    .sort((a, b) => depth.get(a)! - depth.get(b)! || compareIds(a, b))
    .slice(0, query.limit);
  const returned = new Set([query.nodeId, ...reached]);
  const relationships = graph.relationships
    .filter((r) => allowed(r, query.types) && returned.has(r.fromId) && returned.has(r.toId))
    .filter(
      (r) =>
        (query.direction !== "in" && depth.get(r.fromId)! < query.maxDepth) ||
        (query.direction !== "out" && depth.get(r.toId)! < query.maxDepth),
    )
    .map((r) => r.id)
    .sort(compareIds);
  return { nodes: [query.nodeId, ...reached], relationships };
}

/** Length in hops of the shortest path, or undefined when there is none within `maxDepth`. */
export function referenceDistance(
  graph: MemoryGraph,
  fromId: string,
  toId: string,
  direction: TraversalDirection,
  types: readonly string[],
  maxDepth: number,
): number | undefined {
  const seen = new Set([fromId]);
  let frontier = [fromId];
  for (let d = 0; d <= maxDepth; d++) {
    if (frontier.includes(toId)) return d;
    const next: string[] = [];
    for (const id of frontier) {
      for (const far of hops(graph, id, direction, types)) {
        if (!seen.has(far)) {
          seen.add(far);
          next.push(far);
        }
      }
    }
    frontier = next;
  }
  return undefined;
}
