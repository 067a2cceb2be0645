/**
 * Data subjects on Neo4j: a tenant's nodes of a subject are found through the
 * `(tenant, _rp_subject, id)` range index of `_RpNode` (migration 3), its relationships
 * through the same index of each relationship type (`relationship-types.ts`), one
 * `UNION ALL` branch per type. Ids compare by code point in Cypher as in `compareIds`.
 */
import { int } from "neo4j-driver";
import type { DeleteSubjectResult, GraphNode, GraphRelationship, SubjectPage } from "../port.js";
import { fetchSizeOf, pageOf } from "../subjects.js";
import {
  type NodeRow,
  nodeFromRow,
  nodeProjection,
  type RelationshipRow,
  relationshipFromRow,
  relationshipProjection,
  subjectKey,
} from "./conversion.js";
import { nodeLabel, quoteName } from "./cypher.js";
import { ragplaneRelationshipTypes } from "./relationship-types.js";
import type { Step } from "./transactions.js";

/** The tenant's nodes of `subject` (variable `n`) whose id sorts after `$after`. */
const subjectNodesMatch = `MATCH (n:${nodeLabel})
  USING INDEX n:${nodeLabel}(tenant, ${subjectKey}, id)
  WHERE n.tenant = $tenant AND n.${subjectKey} = $subject AND n.id > $after`;

/**
 * A subquery binding `r`, `a` and `b` to each of the tenant's relationships of `subject`,
 * of one of `types`, whose id sorts after `$after`.
 */
function subjectRelationshipsMatch(types: readonly string[]): string {
  const branches = [...new Set(types)].map(
    (type) => `MATCH (a)-[r:${quoteName(type)}]->(b)
      WHERE r.tenant = $tenant AND r.${subjectKey} = $subject AND r.id > $after
      RETURN r, a, b`,
  );
  return `CALL () { ${branches.join(" UNION ALL ")} }`;
}

/** A page of the tenant's nodes of `subject`, in id order. */
export async function subjectNodes(
  step: Step,
  tenant: string,
  subject: string,
  page: SubjectPage,
): Promise<{ nodes: GraphNode[]; nextAfter?: string }> {
  const rows = await step.rows<{ node: NodeRow }>(
    `${subjectNodesMatch}
     WITH n ORDER BY n.id LIMIT $limit
     RETURN ${nodeProjection("n")} AS node`,
    { tenant, subject, after: page.after ?? "", limit: int(fetchSizeOf(page.limit)) },
  );
  const { items, nextAfter } = pageOf(
    rows.map((row) => nodeFromRow(row.node)),
    page.limit,
  );
  return nextAfter === undefined ? { nodes: items } : { nodes: items, nextAfter };
}

/** A page of the tenant's relationships of `subject`, in id order. */
export async function subjectRelationships(
  step: Step,
  tenant: string,
  subject: string,
  page: SubjectPage,
): Promise<{ relationships: GraphRelationship[]; nextAfter?: string }> {
  const limit = fetchSizeOf(page.limit);
  const types = await ragplaneRelationshipTypes(step);
  if (types.length === 0) return { relationships: [] };
  const rows = await step.rows<{ relationship: RelationshipRow }>(
    `${subjectRelationshipsMatch(types)}
     WITH r, a, b ORDER BY r.id LIMIT $limit
     RETURN ${relationshipProjection("r", "a", "b")} AS relationship`,
    { tenant, subject, after: page.after ?? "", limit: int(limit) },
  );
  const { items, nextAfter } = pageOf(
    rows.map((row) => relationshipFromRow(row.relationship)),
    page.limit,
  );
  return nextAfter === undefined ? { relationships: items } : { relationships: items, nextAfter };
}

/**
 * Deletes at most `limit` of the tenant's relationships of `subject`, then detach-deletes
 * at most `limit` of its nodes of `subject`, in the caller's one transaction. Each
 * relationship is deleted once, so the counters add up to distinct relationships.
 */
export async function deleteSubject(
  step: Step,
  tenant: string,
  subject: string,
  limit: number,
): Promise<DeleteSubjectResult> {
  const parameters = { tenant, subject, after: "", limit: int(limit) };
  let relationships = 0;
  const types = await ragplaneRelationshipTypes(step);
  if (types.length > 0) {
    const result = await step.run(
      `${subjectRelationshipsMatch(types)}
       WITH r LIMIT $limit
       DELETE r`,
      parameters,
    );
    relationships += result.summary.counters.updates().relationshipsDeleted;
  }
  const result = await step.run(
    `${subjectNodesMatch}
     WITH n LIMIT $limit
     DETACH DELETE n`,
    parameters,
  );
  const counters = result.summary.counters.updates();
  relationships += counters.relationshipsDeleted;
  return { nodes: counters.nodesDeleted, relationships };
}
