/**
 * Batch reads of the Neo4j store: relationships by id, and the relationships a set of
 * nodes induces. Nodes by id are `loadNodes` (traversal.ts).
 */
import { compareIds } from "../ordering.js";
import type { GraphRelationship } from "../port.js";
import { type RelationshipRow, relationshipFromRow, relationshipProjection } from "./conversion.js";
import { checkGraphNames, hopPattern, nodeByKey, relationshipById, seekNode } from "./cypher.js";
import { ragplaneRelationshipTypes } from "./relationship-types.js";
import type { Step } from "./transactions.js";

/**
 * The tenant's relationships of `ids`, whatever their type, in no particular order: one
 * unique index seek per id and relationship type.
 */
export async function loadRelationships(
  step: Step,
  tenant: string,
  ids: readonly string[],
): Promise<GraphRelationship[]> {
  if (ids.length === 0) return [];
  const types = await ragplaneRelationshipTypes(step);
  if (types.length === 0) return [];
  const rows = await step.rows<{ relationship: RelationshipRow }>(
    `UNWIND $ids AS id
     ${relationshipById(types, "id")}
     RETURN ${relationshipProjection("r", "a", "b")} AS relationship`,
    { tenant, ids: [...new Set(ids)] },
  );
  return rows.map((row) => relationshipFromRow(row.relationship));
}

/**
 * The tenant's relationships of `types` (any when empty) from a node of `nodeIds` to a
 * node of `nodeIds`, sorted by id. The ids go to the server as a map, so testing a far
 * end is one lookup (see `subgraphOf` in traversal.ts).
 */
export async function relationshipsAmong(
  step: Step,
  tenant: string,
  nodeIds: readonly string[],
  types: readonly string[],
): Promise<GraphRelationship[]> {
  checkGraphNames(types, "types");
  if (nodeIds.length === 0) return [];
  const members = Object.fromEntries(nodeIds.map((id) => [id, true]));
  const rows = await step.rows<{ relationship: RelationshipRow }>(
    `UNWIND $ids AS id
     MATCH ${nodeByKey("a", "id")} ${seekNode("a")}
     MATCH (a)${hopPattern("out", types)}(b)
     WHERE b.tenant = $tenant AND $members[b.id] IS NOT NULL
     RETURN ${relationshipProjection("r", "a", "b")} AS relationship`,
    { tenant, ids: [...new Set(nodeIds)], members },
  );
  return rows
    .map((row) => relationshipFromRow(row.relationship))
    .sort((a, b) => compareIds(a.id, b.id));
}
