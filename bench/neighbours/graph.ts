import type { BenchGraph } from "../engines/graph.js";
import { randomIndex, seededRandom } from "../prng.js";
import type { NoisyGraphSpec } from "./options.js";

/** A ShortestPath question whose answer is known: the only path goes over the bridge. */
export interface PathPair {
  readonly fromId: string;
  readonly toId: string;
  /** Length of the shortest path, in relationships. */
  readonly hops: number;
}

/** The noisy tenant's graph and the traversals its loops ask. */
export interface NoisyGraph extends BenchGraph {
  /** ShortestPath pairs, one node in each half, `minPathHops` to `pathDepth` hops apart. */
  readonly pairs: readonly PathPair[];
  /** Neighbors start nodes whose neighbourhood within `neighborsDepth` exceeds `neighborsLimit`. */
  readonly starts: readonly string[];
}

const labels = ["Doc", "Chunk", "Entity"] as const;
const types = ["LINKS", "MENTIONS"] as const;

/**
 * Two random graphs of `nodes / 2` nodes each (relationships between distinct nodes of
 * the same half drawn uniformly from a seeded PRNG), joined by one bridge relationship, so
 * the average out-degree is `relationships / nodes`. A ShortestPath from one half to the
 * other has a single way across: the bidirectional search grows both sides over most of
 * their halves before they meet at the bridge. The same spec and seed always give the
 * same graph, pairs and start nodes.
 */
export function generateNoisyGraph(spec: NoisyGraphSpec, seed: number): NoisyGraph {
  const random = seededRandom(seed);
  const half = Math.floor(spec.nodes / 2);
  const nodeIds = ids("n", spec.nodes);
  const nodes = nodeIds.map((id, i) => ({
    id,
    labels: [labels[i % labels.length]!],
    properties: { name: `node ${i}` },
  }));
  const ends = new Int32Array(2 * spec.relationships);
  const bridge: [number, number] = [randomIndex(random, half), half + randomIndex(random, half)];
  for (let r = 0; r < spec.relationships - 1; r++) {
    const base = randomIndex(random, 2) * half;
    const from = randomIndex(random, half);
    ends[2 * r] = base + from;
    ends[2 * r + 1] = base + ((from + 1 + randomIndex(random, half - 1)) % half);
  }
  ends.set(bridge, 2 * (spec.relationships - 1));
  const relationships = ids("r", spec.relationships).map((id, r) => ({
    id,
    fromId: nodeIds[ends[2 * r]!]!,
    toId: nodeIds[ends[2 * r + 1]!]!,
    type: types[randomIndex(random, types.length)]!,
    properties: { weight: Math.round(random() * 1000) / 1000 },
  }));
  const graph = new Adjacency(spec.nodes, ends);
  const fromBridge = graph.distances(bridge[0]);
  const toBridge = graph.distances(bridge[1]);
  const pairs: PathPair[] = [];
  for (let attempt = 0; pairs.length < spec.requests && attempt < 1_000_000; attempt++) {
    const from = randomIndex(random, half);
    const to = half + randomIndex(random, half);
    if (fromBridge[from]! < 0 || toBridge[to]! < 0) continue;
    const hops = fromBridge[from]! + 1 + toBridge[to]!;
    if (hops >= spec.minPathHops && hops <= spec.pathDepth) {
      pairs.push({ fromId: nodeIds[from]!, toId: nodeIds[to]!, hops });
    }
  }
  if (pairs.length < spec.requests) {
    throw new Error(`found ${pairs.length} ShortestPath pairs ${spec.minPathHops}+ hops apart`);
  }
  const starts: string[] = [];
  for (let attempt = 0; starts.length < spec.requests && attempt < 10_000; attempt++) {
    const start = randomIndex(random, spec.nodes);
    if (graph.reachable(start, spec.neighborsDepth, spec.neighborsLimit + 1) > spec.neighborsLimit)
      starts.push(nodeIds[start]!);
  }
  if (starts.length < spec.requests) throw new Error("too few Neighbors start nodes found");
  return { nodes, relationships, pairs, starts };
}

/** Both directions of every relationship, as compressed rows. */
class Adjacency {
  readonly #offsets: Int32Array;
  readonly #targets: Int32Array;

  constructor(nodes: number, ends: Int32Array) {
    this.#offsets = new Int32Array(nodes + 1);
    for (const end of ends) this.#offsets[end + 1]!++;
    for (let i = 0; i < nodes; i++) this.#offsets[i + 1]! += this.#offsets[i]!;
    const fill = this.#offsets.slice(0, nodes);
    this.#targets = new Int32Array(ends.length);
    for (let e = 0; e < ends.length; e += 2) {
      this.#targets[fill[ends[e]!]!++] = ends[e + 1]!;
      this.#targets[fill[ends[e + 1]!]!++] = ends[e]!;
    }
  }

  /** Hops from `start` to every node, either direction; -1 where none leads. */
  distances(start: number): Int32Array {
    const depth = new Int32Array(this.#offsets.length - 1).fill(-1);
    depth[start] = 0;
    this.#walk(start, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, depth);
    return depth;
  }

  /** Nodes within `maxDepth` hops of `start` (itself excluded), counted up to `cap`. */
  reachable(start: number, maxDepth: number, cap: number): number {
    const depth = new Int32Array(this.#offsets.length - 1).fill(-1);
    depth[start] = 0;
    return this.#walk(start, maxDepth, cap, depth);
  }

  #walk(start: number, maxDepth: number, cap: number, depth: Int32Array): number {
    let frontier = [start];
    let reached = 0;
    for (let level = 1; level <= maxDepth && frontier.length > 0 && reached < cap; level++) {
      const next: number[] = [];
      for (const node of frontier) {
        for (let e = this.#offsets[node]!; e < this.#offsets[node + 1]!; e++) {
          const far = this.#targets[e]!;
          if (depth[far] !== -1) continue;
          depth[far] = level;
          next.push(far);
        }
      }
      reached += next.length;
      frontier = next;
    }
    return reached;
  }
}

function ids(prefix: string, count: number): string[] {
  const width = String(count - 1).length;
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(width, "0")}`);
}
