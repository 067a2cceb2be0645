import { describe, expect, it } from "vitest";
import { seededRandom } from "../../bench/prng.js";
import type {
  GraphNode,
  GraphRelationship,
  NeighborsQuery,
  PathResult,
  TraversalDirection,
} from "../../clients/graphs/port.js";
import type { ContractContext } from "./graphs.fixtures.js";
import { type MemoryGraph, referenceDistance, referenceNeighbors } from "./graphs.reference.js";

const labels = ["A", "B", "C"];
const types = ["T1", "T2", "T3"];
const directions: TraversalDirection[] = ["out", "in", "both"];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function subset<T>(random: () => number, items: readonly T[]): T[] {
  return random() < 0.5 ? [] : items.filter(() => random() < 0.5);
}

/** A random graph with self-loops and parallel relationships, from a seed. */
function randomGraph(random: () => number, nodeCount: number, relationshipCount: number) {
  const nodes: GraphNode[] = Array.from({ length: nodeCount }, (_, i) => ({
    id: `n${i}`,
    labels: labels.filter(() => random() < 0.4).sort(),
    properties: { i },
  }));
  const relationships: GraphRelationship[] = Array.from({ length: relationshipCount }, (_, i) => ({
    id: `r${i}`,
    fromId: pick(random, nodes).id,
    toId: pick(random, nodes).id,
    type: pick(random, types),
    properties: {},
  }));
  return { nodes, relationships };
}

function expectPathWithin(graph: MemoryGraph, path: PathResult, query: PathQuery) {
  path.relationships.forEach((r, i) => {
    const [a, b] = [path.nodes[i]!.id, path.nodes[i + 1]!.id];
    const forward = r.fromId === a && r.toId === b;
    const backward = r.fromId === b && r.toId === a;
    expect(query.types.length === 0 || query.types.includes(r.type)).toBe(true);
    if (query.direction === "out") expect(forward).toBe(true);
    else if (query.direction === "in") expect(backward).toBe(true);
    else expect(forward || backward).toBe(true);
    expect(graph.relationships.find((s) => s.id === r.id)).toEqual(r);
  });
}

interface PathQuery {
  readonly fromId: string;
  readonly toId: string;
  readonly types: string[];
  readonly maxDepth: number;
  readonly direction: TraversalDirection;
}

/**
 * Contract tests that compare Neighbors and ShortestPath with a naive reference of the
 * port's rules on seeded random graphs (ids, order and relationship sets must match).
 */
export function describeRandomGraphTraversals(ctx: ContractContext): void {
  describe("random graphs against the reference rules", () => {
    it.each([1, 2, 3])("neighbors agrees with the reference BFS (seed %i)", async (seed) => {
      const random = seededRandom(seed);
      const graph = randomGraph(random, 120, 360);
      await ctx.store.upsertNodes(ctx.tenant, graph.nodes);
      await ctx.store.upsertRelationships(ctx.tenant, graph.relationships);
      for (let i = 0; i < 40; i++) {
        const query: NeighborsQuery = {
          nodeId: pick(random, graph.nodes).id,
          direction: pick(random, directions),
          types: subset(random, types),
          labels: subset(random, labels),
          maxDepth: Math.floor(random() * 5),
          limit: pick(random, [0, 1, 5, 20, 1000]),
        };
        const sub = await ctx.store.neighbors(ctx.tenant, query);
        const expected = referenceNeighbors(graph, query);
        expect({ query, nodes: sub.nodes.map((n) => n.id) }).toEqual({
          query,
          nodes: expected.nodes,
        });
        expect({ query, rels: sub.relationships.map((r) => r.id) }).toEqual({
          query,
          rels: expected.relationships,
        });
      }
    });

    it.each([6, 7])(
      "neighborhoods answers for every start what neighbors answers, and leaves out missing starts (seed %i)",
      async (seed) => {
        const random = seededRandom(seed);
        const graph = randomGraph(random, 120, 360);
        await ctx.store.upsertNodes(ctx.tenant, graph.nodes);
        await ctx.store.upsertRelationships(ctx.tenant, graph.relationships);
        for (let i = 0; i < 12; i++) {
          const ids = [...new Set(Array.from({ length: 8 }, () => pick(random, graph.nodes).id))];
          const starts = [...ids, "missing"].map((nodeId) => ({
            nodeId,
            limit: pick(random, [0, 1, 5, 20, 1000]),
          }));
          const shape = {
            direction: pick(random, directions),
            types: subset(random, types),
            labels: subset(random, labels),
            maxDepth: Math.floor(random() * 4),
          };
          const all = await ctx.store.neighborhoods(ctx.tenant, { ...shape, starts });
          expect([...all.keys()].sort()).toEqual([...ids].sort());
          for (const start of starts.slice(0, -1)) {
            const one = await ctx.store.neighbors(ctx.tenant, { ...shape, ...start });
            expect({ shape, start, subgraph: all.get(start.nodeId) }).toEqual({
              shape,
              start,
              subgraph: one,
            });
          }
        }
      },
    );

    it.each([4, 5])(
      "shortestPath finds a valid path of the reference length (seed %i)",
      async (seed) => {
        const random = seededRandom(seed);
        const graph = randomGraph(random, 150, 220);
        await ctx.store.upsertNodes(ctx.tenant, graph.nodes);
        await ctx.store.upsertRelationships(ctx.tenant, graph.relationships);
        for (let i = 0; i < 60; i++) {
          const query: PathQuery = {
            fromId: pick(random, graph.nodes).id,
            toId: pick(random, graph.nodes).id,
            types: subset(random, types),
            maxDepth: 1 + Math.floor(random() * 8),
            direction: pick(random, directions),
          };
          const path = await ctx.store.shortestPath(ctx.tenant, query);
          const { fromId, toId, direction, maxDepth } = query;
          const distance = referenceDistance(graph, fromId, toId, direction, query.types, maxDepth);
          expect({ query, found: path.found }).toEqual({ query, found: distance !== undefined });
          if (distance === undefined) continue;
          expect(path.relationships).toHaveLength(distance);
          expect(path.nodes.map((n) => n.id)[0]).toBe(fromId);
          expect(path.nodes.at(-1)?.id).toBe(toId);
          expectPathWithin(graph, path, query);
        }
      },
    );
  });
}
