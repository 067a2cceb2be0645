/**
 * Neighbors on Neo4j: the same breadth-first search, level by level, as the embedded
 * adapter, so both return exactly what the port's `Subgraph` rules say. One query per
 * level expands the whole frontier (an index seek per frontier node, then typed expands);
 * depths, the label filter's effect on what is traversed, ordering by (depth, id) with
 * `compareIds`, and the `limit` cut are decided here rather than by Cypher, whose
 * variable-length patterns enumerate paths rather than nodes and would cost exponential
 * time to find each node's shortest depth.
 */
import { NotFoundError } from "../../errors.js";
import { compareIds } from "../ordering.js";
import type { GraphNode, GraphRelationship, NeighborsQuery, Subgraph } from "../port.js";
import {
  type NodeRow,
  nodeFromRow,
  nodeProjection,
  type RelationshipRow,
  relationshipFromRow,
  relationshipProjection,
} from "./conversion.js";
import { checkGraphNames, hopPattern, nodeByKey, nodeLabel, seekNode } from "./cypher.js";
import type { Step } from "./transactions.js";

/** Loads one node of the tenant, or undefined. */
export async function loadNode(step: Step, tenant: string, id: string) {
  const row = await step.one<{ node: NodeRow }>(
    `MATCH ${nodeByKey("n", "$id")} ${seekNode("n")} RETURN ${nodeProjection("n")} AS node`,
    { tenant, id },
  );
  return row ? nodeFromRow(row.node) : undefined;
}

/** Loads nodes of the tenant by id, keyed by id; missing ids are absent. */
export async function loadNodes(
  step: Step,
  tenant: string,
  ids: readonly string[],
): Promise<Map<string, GraphNode>> {
  if (ids.length === 0) return new Map();
  const rows = await step.rows<{ node: NodeRow }>(
    `UNWIND $ids AS id
     MATCH ${nodeByKey("n", "id")} ${seekNode("n")}
     RETURN ${nodeProjection("n")} AS node`,
    { tenant, ids },
  );
  return new Map(rows.map((row) => [row.node.id, nodeFromRow(row.node)]));
}

/**
 * Breadth-first traversal (see `Subgraph`), one query per level, the signal checked before
 * each; it stops early once `limit` nodes are known, since deeper ones would sort after
 * them. A last query loads the returned nodes and the relationships among them, which
 * are kept when the traversal follows them (see `Subgraph`).
 */
export async function neighbors(
  step: Step,
  tenant: string,
  query: NeighborsQuery,
): Promise<Subgraph> {
  checkGraphNames(query.types, "types");
  const start = await loadNode(step, tenant, query.nodeId);
  if (!start) throw new NotFoundError("node", query.nodeId);

  const expand = `UNWIND $frontier AS id
    MATCH ${nodeByKey("a", "id")}${hopPattern(query.direction, query.types)}(b:${nodeLabel})
    ${seekNode("a")}
    WHERE b.tenant = $tenant
    WITH DISTINCT b
    RETURN b.id AS id, (size($labels) = 0 OR any(l IN labels(b) WHERE l IN $labels)) AS passes`;
  const depthOf = new Map<string, number>([[query.nodeId, 0]]);
  const seen = new Set<string>([query.nodeId]);
  const reached: string[] = [];
  let frontier = [query.nodeId];
  for (let depth = 1; depth <= query.maxDepth && reached.length < query.limit; depth++) {
    const rows = await step.rows<{ id: string; passes: boolean }>(expand, {
      tenant,
      frontier,
      labels: query.labels,
    });
    const fresh: string[] = [];
    for (const row of rows) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      if (row.passes) fresh.push(row.id);
    }
    if (fresh.length === 0) break;
    fresh.sort(compareIds);
    for (const id of fresh) depthOf.set(id, depth);
    reached.push(...fresh.slice(0, query.limit - reached.length));
    frontier = fresh;
  }

  const depths = [query.nodeId, ...reached].map((id) => [id, depthOf.get(id)!] as const);
  const returned = await subgraphOf(step, tenant, query.types, depths);
  const nodes = [start, ...reached.map((id) => returned.nodes.get(id)!)];
  return { nodes, relationships: followed(returned.relationships, depthOf, query) };
}

/**
 * The relationships among returned nodes (those `depthOf` holds) that a traversal follows
 * (see `Subgraph`), sorted by id.
 */
export function followed(
  relationships: readonly GraphRelationship[],
  depthOf: ReadonlyMap<string, number>,
  query: Pick<NeighborsQuery, "direction" | "maxDepth">,
): GraphRelationship[] {
  const forward = query.direction !== "in";
  const backward = query.direction !== "out";
  return relationships
    .filter((r) => {
      const fromDepth = depthOf.get(r.fromId);
      const toDepth = depthOf.get(r.toId);
      if (fromDepth === undefined || toDepth === undefined) return false;
      return (forward && fromDepth < query.maxDepth) || (backward && toDepth < query.maxDepth);
    })
    .sort((a, b) => compareIds(a.id, b.id));
}

/**
 * In one query, the nodes of `depths` and the relationships of `types` (any type when
 * empty) among them, each once (from its start node). The ids go to the server as a map
 * to their depths, which makes the test of a relationship's far end one lookup; as a list
 * (`b.id IN $ids`) the planner would seek every id of the list for every node.
 */
export async function subgraphOf(
  step: Step,
  tenant: string,
  types: readonly string[],
  depths: readonly (readonly [string, number])[],
): Promise<{ nodes: Map<string, GraphNode>; relationships: GraphRelationship[] }> {
  const rows = await step.rows<{ node: NodeRow; relationships: RelationshipRow[] }>(
    `UNWIND $ids AS id
     MATCH ${nodeByKey("a", "id")} ${seekNode("a")}
     RETURN ${nodeProjection("a")} AS node, COLLECT {
       MATCH (a)${hopPattern("out", types)}(b)
       WHERE b.tenant = $tenant AND $depths[b.id] IS NOT NULL
       RETURN ${relationshipProjection("r", "a", "b")}
     } AS relationships`,
    { tenant, ids: depths.map(([id]) => id), depths: Object.fromEntries(depths) },
  );
  return {
    nodes: new Map(rows.map((row) => [row.node.id, nodeFromRow(row.node)])),
    relationships: rows.flatMap((row) => row.relationships.map(relationshipFromRow)),
  };
}
