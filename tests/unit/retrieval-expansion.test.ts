import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CancelledError, EngineUnavailableError, throwIfAborted } from "../../clients/errors.js";
import { EmbeddedGraphStore } from "../../clients/graphs/embedded/store.js";
import { compareIds } from "../../clients/graphs/ordering.js";
import type {
  GraphNode,
  GraphStore,
  NeighborhoodsQuery,
  RelationshipInput,
  Subgraph,
  TraversalDirection,
} from "../../clients/graphs/port.js";
import { expansionBudget } from "../../server/services/retrieval/budget.js";
import {
  expandHits,
  traversalBatch,
  traversalConcurrency,
} from "../../server/services/retrieval/expansion.js";
import type { ExpansionPlan } from "../../server/services/retrieval/neighbourhood.js";

const tenant = "t";
const noDeadline = () => expansionBudget(new AbortController().signal, undefined);

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Edge {
  readonly id: string;
  readonly fromId: string;
  readonly toId: string;
  readonly type: string;
}

/**
 * The neighbourhood of a hit by definition: a breadth-first search from all its entities
 * at once over the whole edge list, nodes by (least depth, id) cut at the limit, and the
 * edges the walk follows between returned nodes.
 */
function reference(
  edges: readonly Edge[],
  existing: ReadonlySet<string>,
  entityIds: readonly string[],
  plan: ExpansionPlan,
): { nodes: string[]; relationships: string[] } {
  const entities = entityIds.filter((id) => existing.has(id));
  const allowed = edges.filter((e) => plan.types.length === 0 || plan.types.includes(e.type));
  const depth = new Map(entities.map((id) => [id, 0]));
  let frontier = [...entities];
  for (let d = 1; d <= plan.depth; d++) {
    const fresh = new Set<string>();
    for (const e of allowed) {
      if (plan.direction !== "in" && frontier.includes(e.fromId) && !depth.has(e.toId))
        fresh.add(e.toId);
      if (plan.direction !== "out" && frontier.includes(e.toId) && !depth.has(e.fromId))
        fresh.add(e.fromId);
    }
    for (const id of fresh) depth.set(id, d);
    frontier = [...fresh];
  }
  const others = [...depth.keys()]
    .filter((id) => !entities.includes(id))
    .sort((a, b) => depth.get(a)! - depth.get(b)! || compareIds(a, b))
    .slice(0, plan.limit);
  const kept = new Set([...entities, ...others]);
  const relationships = allowed
    .filter(
      (e) =>
        kept.has(e.fromId) &&
        kept.has(e.toId) &&
        ((plan.direction !== "in" && depth.get(e.fromId)! < plan.depth) ||
          (plan.direction !== "out" && depth.get(e.toId)! < plan.depth)),
    )
    .map((e) => e.id)
    .sort(compareIds);
  return { nodes: [...entities, ...others], relationships };
}

describe("expandHits", () => {
  let dataDir: string;
  let store: EmbeddedGraphStore;
  const edges: Edge[] = [];
  const existing = new Set<string>();

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "ragplane-expansion-"));
    store = await EmbeddedGraphStore.open({ dataDir, readerThreads: 0 });
    const next = random(7);
    const nodes: GraphNode[] = Array.from({ length: 60 }, (_, i) => ({
      id: `n${i}`,
      labels: [],
      properties: { i },
    }));
    for (const n of nodes) existing.add(n.id);
    await store.upsertNodes(tenant, nodes);
    const inputs: RelationshipInput[] = [];
    for (let i = 0; i < 150; i++) {
      const fromId = `n${Math.floor(next() * 60)}`;
      const toId = `n${Math.floor(next() * 60)}`;
      const type = next() < 0.6 ? "A" : "B";
      inputs.push({ id: `r${i}`, fromId, toId, type, properties: {} });
      edges.push({ id: `r${i}`, fromId, toId, type });
    }
    await store.upsertRelationships(tenant, inputs);
  });

  afterAll(async () => {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("answers every hit exactly as one walk from all its entities would, whatever the limits", async () => {
    const next = random(11);
    const directions: TraversalDirection[] = ["out", "in", "both"];
    for (let round = 0; round < 40; round++) {
      const plan: ExpansionPlan = {
        depth: 1 + Math.floor(next() * 3),
        limit: 1 + Math.floor(next() * 12),
        direction: directions[round % 3]!,
        types: next() < 0.3 ? ["A"] : [],
      };
      const hits = Array.from({ length: 1 + Math.floor(next() * 5) }, () =>
        Array.from({ length: Math.floor(next() * 4) }, () => `n${Math.floor(next() * 66)}`),
      ).map((ids) => [...new Set(ids)]);
      const result = await expandHits(store, tenant, hits, plan, noDeadline());
      expect(result.partial).toBe(false);
      result.neighbourhoods.forEach((hit, i) => {
        const expected = reference(edges, existing, hits[i]!, plan);
        expect({ round, nodes: hit.nodes.map((n) => n.id) }).toEqual({
          round,
          nodes: expected.nodes,
        });
        expect({ round, relationships: hit.relationships.map((r) => r.id) }).toEqual({
          round,
          relationships: expected.relationships,
        });
      });
    }
  });

  it("reads the entity nodes alone at depth 0", async () => {
    const plan: ExpansionPlan = { depth: 0, limit: 5, direction: "both", types: [] };
    const result = await expandHits(
      store,
      tenant,
      [["n3", "missing", "n1"], []],
      plan,
      noDeadline(),
    );
    expect(result.neighbourhoods.map((hit) => hit.nodes.map((n) => n.id))).toEqual([
      ["n3", "n1"],
      [],
    ]);
    expect(result.neighbourhoods.every((hit) => hit.relationships.length === 0)).toBe(true);
  });
});

/** A graph store whose reads of neighbourhoods take `delayMs` each, recording what it was asked. */
function slowStore(delayMs: number) {
  const traversed: string[] = [];
  let reads = 0;
  let running = 0;
  let mostAtOnce = 0;
  const wait = (signal: AbortSignal | undefined) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, delayMs);
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(new CancelledError());
      });
    });
  const neighbourhoodOf = (nodeId: string): Subgraph => {
    const start: GraphNode = { id: nodeId, labels: [], properties: {} };
    const near: GraphNode = { id: `${nodeId}-near`, labels: [], properties: {} };
    const relationship = {
      id: `${nodeId}-r`,
      fromId: nodeId,
      toId: near.id,
      type: "T",
      properties: {},
    };
    return { nodes: [start, near], relationships: [relationship] };
  };
  const store = {
    async getNodes(_tenant: string, ids: readonly string[], signal?: AbortSignal) {
      throwIfAborted(signal);
      return ids.map((id): GraphNode => ({ id, labels: [], properties: {} }));
    },
    async neighborhoods(
      _tenant: string,
      query: NeighborhoodsQuery,
      signal?: AbortSignal,
    ): Promise<Map<string, Subgraph>> {
      reads++;
      traversed.push(...query.starts.map((start) => start.nodeId));
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      try {
        await wait(signal);
      } finally {
        running--;
      }
      return new Map(query.starts.map(({ nodeId }) => [nodeId, neighbourhoodOf(nodeId)]));
    },
  } as unknown as GraphStore;
  return { store, traversed, reads: () => reads, mostAtOnce: () => mostAtOnce };
}

describe("expandHits scheduling", () => {
  const plan: ExpansionPlan = { depth: 1, limit: 5, direction: "both", types: [] };

  it("walks each entity once, the first-named first, in batches, a bounded number at once", async () => {
    const slow = slowStore(5);
    const more = Array.from(
      { length: 2 * traversalBatch * traversalConcurrency },
      (_, i) => `x${i}`,
    );
    const hits = [["a", "b"], ["b", "c", "d"], ["a", "e", "f", "g", "h"], more];
    const result = await expandHits(slow.store, tenant, hits, plan, noDeadline());
    expect(slow.traversed).toEqual(["a", "b", "c", "d", "e", "f", "g", "h", ...more]);
    expect(slow.reads()).toBe(Math.ceil(slow.traversed.length / traversalBatch));
    expect(slow.mostAtOnce()).toBe(traversalConcurrency);
    expect(result.partial).toBe(false);
    expect(result.neighbourhoods[1]!.nodes.map((n) => n.id)).toEqual([
      "b",
      "c",
      "d",
      "b-near",
      "c-near",
      "d-near",
    ]);
  });

  it("answers what was gathered, marked partial, when the deadline draws near", async () => {
    const slow = slowStore(100);
    const hits = Array.from({ length: 5 * traversalBatch }, (_, i) => [`e${i}`]);
    const call = new AbortController();
    const started = Date.now();
    const budget = expansionBudget(call.signal, started + 300);
    const result = await expandHits(slow.store, tenant, hits, plan, budget).finally(() =>
      budget.release(),
    );
    expect(Date.now() - started).toBeLessThan(300);
    expect(result.partial).toBe(true);
    const complete = result.neighbourhoods.filter((hit) => hit.nodes.length === 2);
    expect(complete.length).toBeGreaterThanOrEqual(traversalConcurrency * traversalBatch);
    expect(complete.length).toBeLessThan(hits.length);
    expect(result.neighbourhoods.map((hit) => hit.nodes[0]?.id)).toEqual(hits.map(([id]) => id));
    expect(call.signal.aborted).toBe(false);
  });

  it("fails with an engine's failure, starting no further traversal", async () => {
    const slow = slowStore(5);
    const failing = Object.create(slow.store) as GraphStore;
    failing.neighborhoods = async (t, query, signal) => {
      if (query.starts.some((start) => start.nodeId === "b")) {
        throw new EngineUnavailableError("graph store");
      }
      return slow.store.neighborhoods(t, query, signal);
    };
    const hits = Array.from({ length: 6 * traversalBatch }, (_, i) => [i === 1 ? "b" : `e${i}`]);
    await expect(expandHits(failing, tenant, hits, plan, noDeadline())).rejects.toBeInstanceOf(
      EngineUnavailableError,
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(slow.reads()).toBeLessThan(traversalConcurrency);
  });

  it("fails with the call's own cancellation rather than answering partially", async () => {
    const slow = slowStore(100);
    const call = new AbortController();
    const budget = expansionBudget(call.signal, Date.now() + 10_000);
    setTimeout(() => call.abort(new CancelledError()), 20);
    await expect(
      expandHits(slow.store, tenant, [["a"], ["b"]], plan, budget).finally(() => budget.release()),
    ).rejects.toBeInstanceOf(CancelledError);
  });
});
