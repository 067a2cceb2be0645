import type { GraphNode, GraphStore } from "../../../clients/graphs/port.js";
import { limits } from "../../limits.js";
import type { ExpansionBudget } from "./budget.js";
import {
  type EntityReach,
  type ExpansionPlan,
  followedWithin,
  mergeNeighbourhood,
  type Neighbourhood,
  toEntityReach,
} from "./neighbourhood.js";

/** Entities traversed by one graph read (`neighborhoods`): one engine call for them all. */
export const traversalBatch = 8;

/** Graph reads one Retrieve runs at once. */
export const traversalConcurrency = 2;

/** The neighbourhood of every hit, and whether the budget cut the expansion short. */
export interface ExpansionResult {
  /** One per hit, in hit order. */
  readonly neighbourhoods: readonly Neighbourhood[];
  readonly partial: boolean;
}

const nothing: Neighbourhood = {
  nodes: [],
  relationships: [],
  depths: new Map(),
  needsInduced: false,
};

/**
 * Reads the graph around the entities of each hit (`entityIds[i]` are those of hit `i`):
 * the entity nodes in one batch read; at depth 1 or more, one traversal per distinct
 * entity (never two for the same one), {@link traversalBatch} entities per read and at
 * most {@link traversalConcurrency} reads at once, in the order the hits first name them
 * (so the best hits are served first), merged per hit
 * (see `mergeNeighbourhood`); then, when a traversal stopped at its limit, the
 * relationships the kept nodes induce, in one more read. Every read runs under
 * `budget.signal`: when the budget runs out, what was read so far is merged and the
 * result is partial. An entity deleted meanwhile is one that does not exist.
 */
export async function expandHits(
  graphs: GraphStore,
  tenant: string,
  entityIds: readonly (readonly string[])[],
  plan: ExpansionPlan,
  budget: ExpansionBudget,
): Promise<ExpansionResult> {
  const run = new ExpansionRun(graphs, tenant, plan, budget);
  const neighbourhoods = await run.expand(entityIds);
  return { neighbourhoods, partial: run.partial };
}

class ExpansionRun {
  partial = false;

  constructor(
    private readonly graphs: GraphStore,
    private readonly tenant: string,
    private readonly plan: ExpansionPlan,
    private readonly budget: ExpansionBudget,
  ) {}

  async expand(entityIds: readonly (readonly string[])[]): Promise<Neighbourhood[]> {
    const distinct = [...new Set(entityIds.flat())];
    if (distinct.length === 0) return entityIds.map(() => nothing);
    const found = await this.attempt(() =>
      this.graphs.getNodes(this.tenant, distinct, this.budget.signal),
    );
    if (found === undefined) return entityIds.map(() => nothing);
    const byId = new Map(found.map((node) => [node.id, node]));
    const entities = entityIds.map((ids) => ids.flatMap((id) => byId.get(id) ?? []));
    this.budget.answerHolds(entities.reduce((sum, nodes) => sum + nodes.length, 0));
    if (this.plan.depth === 0) {
      return entities.map((nodes) => ({ ...nothing, nodes }));
    }
    const reaches = await this.traverse(entities);
    const merged = entities.map((nodes) =>
      mergeNeighbourhood(
        nodes,
        nodes.map((node) => reaches.get(node.id)),
        this.plan,
      ),
    );
    return this.partial ? merged : this.completeRelationships(merged);
  }

  /** One traversal per distinct entity, each allowed enough nodes for every hit naming it. */
  private async traverse(
    entities: readonly (readonly GraphNode[])[],
  ): Promise<Map<string, EntityReach>> {
    const limitOf = new Map<string, number>();
    for (const nodes of entities) {
      const needed = Math.min(this.plan.limit + nodes.length - 1, limits.maxPageSize);
      for (const node of nodes) limitOf.set(node.id, Math.max(limitOf.get(node.id) ?? 0, needed));
    }
    const queue = [...limitOf];
    const batches = Array.from({ length: Math.ceil(queue.length / traversalBatch) }, (_, i) =>
      queue.slice(i * traversalBatch, (i + 1) * traversalBatch),
    );
    const reaches = new Map<string, EntityReach>();
    const answer = new AnswerSize(entities, this.plan.limit);
    const { direction, types, depth } = this.plan;
    let next = 0;
    const work = async () => {
      while (next < batches.length && !this.budget.signal.aborted) {
        const batch = batches[next++]!;
        const starts = batch.map(([nodeId, limit]) => ({ nodeId, limit }));
        const found = await this.attempt(() =>
          this.graphs.neighborhoods(
            this.tenant,
            { direction, types, labels: [], maxDepth: depth, starts },
            this.budget.signal,
          ),
        ).catch((error: unknown) => {
          next = batches.length;
          throw error;
        });
        for (const [nodeId, limit] of found === undefined ? [] : batch) {
          const subgraph = found?.get(nodeId);
          if (subgraph === undefined) continue;
          reaches.set(nodeId, toEntityReach(subgraph, direction, limit));
          this.budget.answerHolds(answer.add(nodeId, subgraph.nodes.length - 1));
        }
      }
    };
    const workers = Math.min(traversalConcurrency, batches.length);
    await Promise.all(Array.from({ length: workers }, work));
    if (next < batches.length) this.partial = true;
    return reaches;
  }

  /** Replaces the relationships of hits whose traversals stopped at their limit. */
  private async completeRelationships(merged: Neighbourhood[]): Promise<Neighbourhood[]> {
    const wanting = merged.filter((hit) => hit.needsInduced);
    if (wanting.length === 0) return merged;
    const ids = [...new Set(wanting.flatMap((hit) => [...hit.depths.keys()]))];
    const induced = await this.attempt(() =>
      this.graphs.relationshipsAmong(this.tenant, ids, this.plan.types, this.budget.signal),
    );
    if (induced === undefined) return merged;
    return merged.map((hit) =>
      hit.needsInduced
        ? {
            ...hit,
            relationships: induced.filter((r) => followedWithin(r, hit.depths, this.plan)),
            needsInduced: false,
          }
        : hit,
    );
  }

  /**
   * Runs one read; when it fails because the budget ran out, marks the expansion partial
   * and answers undefined. Other failures, and the call's own end, propagate.
   */
  private async attempt<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      if (!this.budget.expired()) throw error;
      this.partial = true;
      return undefined;
    }
  }
}

/**
 * About how many nodes the answer holds as traversals complete: each hit's entities, plus
 * the nodes reached from them, up to the hit's limit (an estimate: a node reached from two
 * entities of a hit counts twice).
 */
class AnswerSize {
  private readonly hitsOf = new Map<string, number[]>();
  private readonly sizes: number[];
  private readonly caps: number[];
  private total = 0;

  constructor(entities: readonly (readonly GraphNode[])[], limit: number) {
    this.sizes = entities.map((nodes) => nodes.length);
    this.caps = entities.map((nodes) => nodes.length + limit);
    entities.forEach((nodes, hit) => {
      this.total += nodes.length;
      for (const node of nodes) {
        const hits = this.hitsOf.get(node.id);
        if (hits === undefined) this.hitsOf.set(node.id, [hit]);
        else hits.push(hit);
      }
    });
  }

  /** Adds the `reached` nodes of entity `nodeId`'s traversal; returns the new total. */
  add(nodeId: string, reached: number): number {
    for (const hit of this.hitsOf.get(nodeId) ?? []) {
      const size = Math.min(this.caps[hit]!, this.sizes[hit]! + reached);
      this.total += size - this.sizes[hit]!;
      this.sizes[hit] = size;
    }
    return this.total;
  }
}
