import { compareIds } from "../../../clients/graphs/ordering.js";
import type {
  GraphNode,
  GraphRelationship,
  Subgraph,
  TraversalDirection,
} from "../../../clients/graphs/port.js";

/** The graph walk around each hit's entities, with the request's defaults applied. */
export interface ExpansionPlan {
  /** Hops from each entity, 1 to 3 (depth 0 reads the entities alone, without a walk). */
  readonly depth: number;
  /** Most nodes per hit besides its entities. */
  readonly limit: number;
  readonly direction: TraversalDirection;
  /** Relationship types followed; empty means any. */
  readonly types: readonly string[];
}

/** One entity's traversal, as the merge of a hit's neighbourhood needs it. */
export interface EntityReach {
  /** The entity first, then the nodes reached from it, nearest first. */
  readonly nodes: readonly GraphNode[];
  /** The relationships the traversal followed. */
  readonly relationships: readonly GraphRelationship[];
  /** Hops from the entity to each node of `nodes`. */
  readonly depths: ReadonlyMap<string, number>;
  /** The traversal stopped at its limit: nodes beyond it were not read. */
  readonly truncated: boolean;
}

/**
 * A traversal's answer with each node's depth, recovered by a breadth-first search over
 * the relationships it followed: every node on a shortest path to a returned node sorts
 * before it, so is returned too, with the relationships between them.
 */
export function toEntityReach(
  subgraph: Subgraph,
  direction: TraversalDirection,
  limit: number,
): EntityReach {
  const start = subgraph.nodes[0];
  const depths = new Map<string, number>();
  if (start === undefined) {
    return { nodes: [], relationships: [], depths, truncated: false };
  }
  const next = new Map<string, string[]>();
  const link = (from: string, to: string) => {
    const targets = next.get(from);
    if (targets === undefined) next.set(from, [to]);
    else targets.push(to);
  };
  for (const r of subgraph.relationships) {
    if (direction !== "in") link(r.fromId, r.toId);
    if (direction !== "out") link(r.toId, r.fromId);
  }
  depths.set(start.id, 0);
  let frontier = [start.id];
  for (let depth = 1; frontier.length > 0; depth++) {
    const fresh: string[] = [];
    for (const id of frontier) {
      for (const target of next.get(id) ?? []) {
        if (depths.has(target)) continue;
        depths.set(target, depth);
        fresh.push(target);
      }
    }
    frontier = fresh;
  }
  return {
    nodes: subgraph.nodes,
    relationships: subgraph.relationships,
    depths,
    truncated: subgraph.nodes.length - 1 >= limit,
  };
}

/** One hit's neighbourhood, merged from the traversals of its entities. */
export interface Neighbourhood {
  /** The entity nodes in the hit's order, then the others by (depth, id), at most the limit. */
  readonly nodes: readonly GraphNode[];
  /** Followed relationships between returned nodes, sorted by id. */
  readonly relationships: readonly GraphRelationship[];
  /** The least depth of each returned node from any of the hit's entities. */
  readonly depths: ReadonlyMap<string, number>;
  /**
   * A traversal stopped at its limit, so `relationships` may lack some between returned
   * nodes: read the relationships they induce and keep the {@link followedWithin} ones.
   */
  readonly needsInduced: boolean;
}

/**
 * Merges the traversals of a hit's entities into its neighbourhood: the entity nodes
 * (those that exist, in the hit's order), then every node reached from any of them at
 * its least depth, ordered by (depth, id) and cut at `plan.limit`; the relationships the
 * traversals followed between those nodes, each once, by id. `reaches[i]` belongs to
 * `entities[i]`; an undefined one (a traversal that was not run) adds nothing.
 *
 * Each traversal must have been allowed at least `plan.limit + entities.length - 1`
 * nodes: then every node this keeps was returned by the traversal of the entity nearest
 * to it, at its least depth.
 */
export function mergeNeighbourhood(
  entities: readonly GraphNode[],
  reaches: readonly (EntityReach | undefined)[],
  plan: ExpansionPlan,
): Neighbourhood {
  const depths = new Map<string, number>();
  for (const entity of entities) depths.set(entity.id, 0);
  const found = new Map<string, GraphNode>();
  let needsInduced = false;
  for (const reach of reaches) {
    if (reach === undefined) continue;
    needsInduced ||= reach.truncated;
    for (const node of reach.nodes) {
      const depth = reach.depths.get(node.id);
      if (depth === undefined) continue;
      const known = depths.get(node.id);
      if (known === undefined || depth < known) depths.set(node.id, depth);
      if (!found.has(node.id)) found.set(node.id, node);
    }
  }
  const entityIds = new Set(entities.map((entity) => entity.id));
  const others = [...found.values()]
    .filter((node) => !entityIds.has(node.id))
    .sort((a, b) => depths.get(a.id)! - depths.get(b.id)! || compareIds(a.id, b.id))
    .slice(0, plan.limit);
  const kept = new Map<string, number>();
  for (const node of [...entities, ...others]) kept.set(node.id, depths.get(node.id)!);
  const relationships = new Map<string, GraphRelationship>();
  for (const reach of reaches) {
    for (const r of reach?.relationships ?? []) {
      if (followedWithin(r, kept, plan)) relationships.set(r.id, r);
    }
  }
  return {
    nodes: [...entities, ...others],
    relationships: [...relationships.values()].sort((a, b) => compareIds(a.id, b.id)),
    depths: kept,
    needsInduced,
  };
}

/**
 * Whether a traversal from the hit's entities follows `r` and returns both its ends:
 * both are in `depths` (the returned nodes), and it leaves a node short of the last
 * hop in a direction the walk goes (as `Subgraph` defines for one start node).
 */
export function followedWithin(
  r: GraphRelationship,
  depths: ReadonlyMap<string, number>,
  plan: ExpansionPlan,
): boolean {
  const fromDepth = depths.get(r.fromId);
  const toDepth = depths.get(r.toId);
  if (fromDepth === undefined || toDepth === undefined) return false;
  if (plan.types.length > 0 && !plan.types.includes(r.type)) return false;
  return (
    (plan.direction !== "in" && fromDepth < plan.depth) ||
    (plan.direction !== "out" && toDepth < plan.depth)
  );
}
