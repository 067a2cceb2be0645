import { type Checkpoint, NotFoundError } from "../../errors.js";
import { compareIds } from "../ordering.js";
import type {
  GraphRelationship,
  PathResult,
  ShortestPathQuery,
  TraversalDirection,
} from "../port.js";
import {
  type GraphStatements,
  nodeFromRow,
  relationshipFromRow,
  type StepRow,
} from "./statements.js";
import { stepFrom } from "./traversal.js";

/** How a search side reached a node: from `node` over `relationship`. */
interface Parent {
  readonly node: string;
  readonly relationship: string;
}

/** One side of the bidirectional search. */
interface Side {
  readonly direction: TraversalDirection;
  readonly parents: Map<string, Parent | null>;
  frontier: string[];
}

const reversed: Record<TraversalDirection, TraversalDirection> = {
  out: "in",
  in: "out",
  both: "both",
};

const notFound: PathResult = { found: false, nodes: [], relationships: [] };

/**
 * One shortest path by bidirectional breadth-first search: a level at a time, always
 * growing the smaller frontier (forward from `fromId` along `direction`, backward from
 * `toId` against it), one batched query per level, calling `checkpoint` between levels.
 * It stops at the first level where the two searches meet, or when their depths add up to
 * `maxDepth`, or when a side runs out of nodes — so an unreachable target usually costs
 * almost nothing. Steps are taken in (near node id, relationship id) order, the first to
 * reach a node is kept, and among meeting nodes the smallest id wins, so the embedded
 * engine always returns the same path among equally short ones.
 */
export function shortestPath(
  sql: GraphStatements,
  tenant: string,
  query: ShortestPathQuery,
  checkpoint: Checkpoint,
): PathResult {
  const from = sql.getNode.get({ tenant, id: query.fromId });
  if (!from) throw new NotFoundError("node", query.fromId);
  if (!sql.getNode.get({ tenant, id: query.toId })) throw new NotFoundError("node", query.toId);
  if (query.fromId === query.toId) {
    return { found: true, nodes: [nodeFromRow(from)], relationships: [] };
  }

  const forward = side(query.fromId, query.direction);
  const backward = side(query.toId, reversed[query.direction]);
  for (let depth = 0; depth < query.maxDepth; depth++) {
    checkpoint();
    const [grow, other] =
      forward.frontier.length <= backward.frontier.length
        ? [forward, backward]
        : [backward, forward];
    const reached = expand(sql, tenant, grow, query.types);
    const meeting = reached.filter((id) => other.parents.has(id)).sort(compareIds)[0];
    if (meeting !== undefined) return pathThrough(sql, tenant, meeting, forward, backward);
    if (reached.length === 0) return notFound;
  }
  return notFound;
}

function side(start: string, direction: TraversalDirection): Side {
  return { direction, parents: new Map([[start, null]]), frontier: [start] };
}

/** Grows one side by a level; returns (and makes the new frontier) the nodes it reached. */
function expand(
  sql: GraphStatements,
  tenant: string,
  search: Side,
  types: readonly string[],
): string[] {
  const steps = stepFrom(sql, tenant, search.frontier, search.direction, types).sort(byNearThenId);
  const reached: string[] = [];
  for (const step of steps) {
    if (search.parents.has(step.far)) continue;
    search.parents.set(step.far, { node: step.near, relationship: step.id });
    reached.push(step.far);
  }
  search.frontier = reached;
  return reached;
}

function byNearThenId(a: StepRow, b: StepRow): number {
  return compareIds(a.near, b.near) || compareIds(a.id, b.id);
}

/** Follows parents from `id` back to the side's start: nodes after `id`, and the relationships. */
function chain(search: Side, id: string): { nodes: string[]; relationships: string[] } {
  const nodes: string[] = [];
  const relationships: string[] = [];
  for (let parent = search.parents.get(id); parent; parent = search.parents.get(parent.node)) {
    nodes.push(parent.node);
    relationships.push(parent.relationship);
  }
  return { nodes, relationships };
}

function pathThrough(
  sql: GraphStatements,
  tenant: string,
  meeting: string,
  forward: Side,
  backward: Side,
): PathResult {
  const head = chain(forward, meeting);
  const tail = chain(backward, meeting);
  const nodeIds = [...head.nodes.reverse(), meeting, ...tail.nodes];
  const relationshipIds = [...head.relationships.reverse(), ...tail.relationships];

  const nodeRows = sql.nodesByIds.all({ tenant, ids: JSON.stringify(nodeIds) });
  const nodes = new Map(nodeRows.map((row) => [row.id, nodeFromRow(row)]));
  const relationshipRows = sql.relationshipsByIds.all({
    tenant,
    ids: JSON.stringify(relationshipIds),
  });
  const relationships = new Map<string, GraphRelationship>(
    relationshipRows.map((row) => [row.id, relationshipFromRow(row)]),
  );
  return {
    found: true,
    nodes: nodeIds.map((id) => nodes.get(id)!),
    relationships: relationshipIds.map((id) => relationships.get(id)!),
  };
}
