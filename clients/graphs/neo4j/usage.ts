/**
 * Counting a tenant's graph for quotas: all of it, or the ids of a batch that already
 * exist. Each is one read query inside a `Step`.
 */
import type { GraphCounts, GraphIds } from "../port.js";
import { nodeLabel, relationshipById, seekNode } from "./cypher.js";
import { ragplaneRelationshipTypes } from "./relationship-types.js";
import type { Step } from "./transactions.js";

/** The tenant's nodes, and the relationships leaving them (read from the degree store). */
export async function tenantUsage(step: Step, tenant: string): Promise<GraphCounts> {
  const row = await step.one<{ nodes: number; relationships: number }>(
    `MATCH (n:${nodeLabel} {tenant: $tenant})
     RETURN count(n) AS nodes, coalesce(sum(COUNT { (n)-->() }), 0) AS relationships`,
    { tenant },
  );
  return { nodes: row?.nodes ?? 0, relationships: row?.relationships ?? 0 };
}

/** How many distinct ids of `ids` the tenant holds, each found by an index seek. */
export async function existingIds(step: Step, tenant: string, ids: GraphIds): Promise<GraphCounts> {
  const nodeIds = [...new Set(ids.nodeIds)];
  const relationshipIds = [...new Set(ids.relationshipIds)];
  let nodes = 0;
  if (nodeIds.length > 0) {
    const row = await step.one<{ count: number }>(
      `UNWIND $ids AS id
       MATCH (n:${nodeLabel} {tenant: $tenant, id: id}) ${seekNode("n")}
       RETURN count(n) AS count`,
      { tenant, ids: nodeIds },
    );
    nodes = row?.count ?? 0;
  }
  let relationships = 0;
  const types = relationshipIds.length === 0 ? [] : await ragplaneRelationshipTypes(step);
  if (types.length > 0) {
    const row = await step.one<{ count: number }>(
      `UNWIND $ids AS id
       ${relationshipById(types, "id")}
       RETURN count(r) AS count`,
      { tenant, ids: relationshipIds },
    );
    relationships = row?.count ?? 0;
  }
  return { nodes, relationships };
}
