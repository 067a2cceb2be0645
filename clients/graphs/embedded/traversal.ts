import { type Checkpoint, NotFoundError } from "../../errors.js";
import { compareIds } from "../ordering.js";
import type {
  GraphRelationship,
  NeighborhoodsQuery,
  NeighborsQuery,
  Subgraph,
  TraversalDirection,
} from "../port.js";
import {
  type GraphStatements,
  nodeFromRow,
  relationshipFromRow,
  type Side,
  type StepRow,
} from "./statements.js";

/** The sides a traversal in `direction` starts its steps from. */
export function sidesOf(direction: TraversalDirection): readonly Side[] {
  if (direction === "out") return ["out"];
  if (direction === "in") return ["in"];
  return ["out", "in"];
}

/**
 * All relationships one BFS level follows from `frontier`, optionally of `types` only:
 * one indexed query per side, whatever the size of the level.
 */
export function stepFrom(
  sql: GraphStatements,
  tenant: string,
  frontier: readonly string[],
  direction: TraversalDirection,
  types: readonly string[],
): StepRow[] {
  const ids = JSON.stringify(frontier);
  const typed = types.length > 0;
  const parameters = typed ? { tenant, ids, types: JSON.stringify(types) } : { tenant, ids };
  return sidesOf(direction).flatMap((side) => sql.step(side, typed).all(parameters));
}

/**
 * Breadth-first traversal, one batched query per level (plus one for the label filter),
 * calling `checkpoint` between levels. Stops early once `limit` nodes are known, since
 * deeper nodes would sort after them. See `Subgraph` for the result's rules.
 */
export function neighbors(
  sql: GraphStatements,
  tenant: string,
  query: NeighborsQuery,
  checkpoint: Checkpoint,
): Subgraph {
  const startRow = sql.getNode.get({ tenant, id: query.nodeId });
  if (!startRow) throw new NotFoundError("node", query.nodeId);

  const depthOf = new Map<string, number>([[query.nodeId, 0]]);
  const seen = new Set<string>([query.nodeId]);
  const reached: string[] = [];
  let frontier = [query.nodeId];
  for (let depth = 1; depth <= query.maxDepth && reached.length < query.limit; depth++) {
    checkpoint();
    const steps = stepFrom(sql, tenant, frontier, query.direction, query.types);
    let fresh = [...new Set(steps.map((step) => step.far))].filter((id) => !seen.has(id));
    for (const id of fresh) seen.add(id);
    if (query.labels.length > 0 && fresh.length > 0) {
      const labels = JSON.stringify(query.labels);
      const rows = sql.nodeIdsWithLabels.all({ tenant, ids: JSON.stringify(fresh), labels });
      fresh = rows.map((row) => row.id);
    }
    if (fresh.length === 0) break;
    fresh.sort(compareIds);
    for (const id of fresh) depthOf.set(id, depth);
    reached.push(...fresh.slice(0, query.limit - reached.length));
    frontier = fresh;
  }
  checkpoint();

  const returned = [query.nodeId, ...reached];
  const rows = sql.nodesByIds.all({ tenant, ids: JSON.stringify(reached) });
  const byId = new Map(rows.map((row) => [row.id, nodeFromRow(row)]));
  const nodes = [nodeFromRow(startRow), ...reached.map((id) => byId.get(id)!)];
  return { nodes, relationships: followed(sql, tenant, query, returned, depthOf) };
}

function followed(
  sql: GraphStatements,
  tenant: string,
  query: NeighborsQuery,
  returned: readonly string[],
  depthOf: ReadonlyMap<string, number>,
): GraphRelationship[] {
  if (query.maxDepth === 0) return [];
  const ids = JSON.stringify(returned);
  const rows =
    query.types.length > 0
      ? sql.relationshipsAmongTyped.all({ tenant, ids, types: JSON.stringify(query.types) })
      : sql.relationshipsAmong.all({ tenant, ids });
  const forward = query.direction !== "in";
  const backward = query.direction !== "out";
  return rows
    .filter((row) => {
      const fromDepth = depthOf.get(row.from_id)!;
      const toDepth = depthOf.get(row.to_id)!;
      return (forward && fromDepth < query.maxDepth) || (backward && toDepth < query.maxDepth);
    })
    .map(relationshipFromRow)
    .sort((a, b) => compareIds(a.id, b.id));
}

/**
 * One {@link neighbors} traversal per start of `query`, `checkpoint` called between them
 * too; starts that do not exist are left out.
 */
export function neighborhoods(
  sql: GraphStatements,
  tenant: string,
  query: NeighborhoodsQuery,
  checkpoint: Checkpoint,
): Map<string, Subgraph> {
  const { starts, ...shape } = query;
  const found = new Map<string, Subgraph>();
  for (const { nodeId, limit } of starts) {
    checkpoint();
    try {
      found.set(nodeId, neighbors(sql, tenant, { ...shape, nodeId, limit }, checkpoint));
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  return found;
}
