/**
 * The write operations of the Neo4j store, each run inside one transaction (`Step`), so a
 * failure anywhere rolls the whole batch back. Batches go to the server as parameter
 * lists expanded with UNWIND.
 */
import { compareIds, normalizeLabels } from "../ordering.js";
import type { DeleteNodesResult, GraphNode, RelationshipInput } from "../port.js";
import { assertEndpointsExist, connectedNodeError } from "../preconditions.js";
import { relationshipIdOf } from "../relationship-id.js";
import { toStoredProperties } from "./conversion.js";
import {
  checkGraphNames,
  nodeByKey,
  nodeLabel,
  quoteName,
  relationshipById,
  seekNode,
} from "./cypher.js";
import { ragplaneRelationshipTypes } from "./relationship-types.js";
import type { Step } from "./transactions.js";

/**
 * Creates or replaces nodes by id. Labels are dynamic (`SET n:$(…)`, a parameter); the
 * labels a node has but the new set lacks are removed (`REMOVE n:$(…)`); `SET n = …`
 * replaces every property, with `tenant` and `id` part of the new map. Duplicate ids are
 * reduced to the last occurrence first, so each node is written once, and nodes are
 * written in id order: concurrent batches sharing nodes lock them in the same order, so
 * they wait for each other instead of deadlocking.
 */
export async function upsertNodes(
  step: Step,
  tenant: string,
  nodes: readonly GraphNode[],
  writtenAt: number,
): Promise<number> {
  nodes.forEach((node, index) => {
    checkGraphNames(node.labels, `nodes[${index}].labels`);
  });
  const rows = [...lastById(nodes).values()]
    .sort((a, b) => compareIds(a.id, b.id))
    .map((node) => ({
      id: node.id,
      labels: normalizeLabels(node.labels),
      props: toStoredProperties(tenant, node.id, node.properties, writtenAt, node.subject),
    }));
  if (rows.length > 0) {
    await step.run(
      `UNWIND $rows AS row
       MERGE (n:${nodeLabel} {tenant: $tenant, id: row.id})
       WITH n, row, [l IN labels(n) WHERE l <> '${nodeLabel}' AND NOT l IN row.labels] AS stale
       REMOVE n:$(stale)
       SET n:$(row.labels)
       SET n = row.props`,
      { tenant, rows },
    );
  }
  return nodes.length;
}

/**
 * Creates or replaces relationships by id (their types checked by the caller, and the
 * constraints of those types in place: see `RelationshipTypeConstraints`). First every
 * endpoint is checked (nothing is written if one is missing); then each stored
 * relationship with one of the ids but another type or other endpoints is deleted, since
 * Neo4j cannot change either; then, per type, MERGE between the endpoints and `SET r = …`
 * write the rest, in the order of their start and end nodes' ids (so concurrent batches
 * lock shared nodes in the same order). A later duplicate id in the batch wins. Should an endpoint vanish
 * between the check and the MERGE (a concurrent delete), the rows written fall short and
 * the check, run again, fails the call.
 */
export async function upsertRelationships(
  step: Step,
  tenant: string,
  relationships: readonly RelationshipInput[],
  writtenAt: number,
): Promise<string[]> {
  const ids = relationships.map(relationshipIdOf);
  if (relationships.length === 0) return ids;
  await checkEndpoints(step, tenant, relationships);

  const final = new Map<string, RelationshipInput>();
  relationships.forEach((r, index) => {
    final.set(ids[index]!, r);
  });
  const stored = await relationshipsByIds(step, tenant, [...final.keys()]);
  const stale = stored.filter((s) => {
    const r = final.get(s.id)!;
    return s.type !== r.type || s.fromId !== r.fromId || s.toId !== r.toId;
  });
  if (stale.length > 0) {
    await step.run(
      `UNWIND $elements AS element
       MATCH ()-[r]->() WHERE elementId(r) = element
       DELETE r`,
      { elements: stale.map((s) => s.element) },
    );
  }

  const byType = new Map<string, { id: string; fromId: string; toId: string; props: object }[]>();
  for (const [id, r] of final) {
    const row = {
      id,
      fromId: r.fromId,
      toId: r.toId,
      props: toStoredProperties(tenant, id, r.properties, writtenAt, r.subject),
    };
    const group = byType.get(r.type);
    if (group) group.push(row);
    else byType.set(r.type, [row]);
  }
  for (const [type, rows] of byType) {
    rows.sort((a, b) => compareIds(a.fromId, b.fromId) || compareIds(a.toId, b.toId));
    const row = await step.one<{ written: number }>(
      `UNWIND $rows AS row
       MATCH ${nodeByKey("a", "row.fromId")} ${seekNode("a")}
       MATCH ${nodeByKey("b", "row.toId")} ${seekNode("b")}
       MERGE (a)-[r:${quoteName(type)} {tenant: $tenant, id: row.id}]->(b)
       SET r = row.props
       RETURN count(r) AS written`,
      { tenant, rows },
    );
    if (row?.written !== rows.length) {
      await checkEndpoints(step, tenant, relationships);
      throw new Error(`wrote ${row?.written} of ${rows.length} relationships of type ${type}`);
    }
  }
  return ids;
}

/**
 * Deletes nodes by id, ignoring missing ones. Without `detach`, the first node (in `ids`
 * order) that still has a relationship fails the call before anything is deleted; a
 * relationship created concurrently after that check makes the plain `DELETE` fail, and
 * the retry then reports that node.
 */
export async function deleteNodes(
  step: Step,
  tenant: string,
  ids: readonly string[],
  detach: boolean,
): Promise<DeleteNodesResult> {
  if (ids.length === 0) return { deleted: 0, relationshipsDeleted: 0 };
  if (!detach) {
    const row = await step.one<{ index: number | null }>(
      `UNWIND range(0, size($ids) - 1) AS i
       MATCH ${nodeByKey("n", "$ids[i]")} ${seekNode("n")}
       WHERE EXISTS { (n)--() }
       RETURN min(i) AS index`,
      { tenant, ids },
    );
    const index = row?.index;
    if (index !== null && index !== undefined) {
      throw connectedNodeError(ids[index]!, index);
    }
  }
  const result = await step.run(
    `UNWIND $ids AS id
     MATCH ${nodeByKey("n", "id")} ${seekNode("n")}
     ${detach ? "DETACH DELETE" : "DELETE"} n`,
    { tenant, ids: [...new Set(ids)] },
  );
  const counters = result.summary.counters.updates();
  return { deleted: counters.nodesDeleted, relationshipsDeleted: counters.relationshipsDeleted };
}

/** Deletes relationships by id, ignoring missing ones; returns how many existed. */
export async function deleteRelationships(
  step: Step,
  tenant: string,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const types = await ragplaneRelationshipTypes(step);
  if (types.length === 0) return 0;
  const result = await step.run(
    `UNWIND $ids AS id
     ${relationshipById(types, "id")}
     DELETE r`,
    { tenant, ids: [...new Set(ids)] },
  );
  return result.summary.counters.updates().relationshipsDeleted;
}

/** A stored relationship found by id, with its element id for deleting it. */
interface StoredRelationship {
  readonly element: string;
  readonly id: string;
  readonly type: string;
  readonly fromId: string;
  readonly toId: string;
}

async function relationshipsByIds(
  step: Step,
  tenant: string,
  ids: readonly string[],
): Promise<StoredRelationship[]> {
  const types = await ragplaneRelationshipTypes(step);
  if (types.length === 0) return [];
  return step.rows<StoredRelationship & Record<string, unknown>>(
    `UNWIND $ids AS id
     ${relationshipById(types, "id")}
     RETURN elementId(r) AS element, r.id AS id, type(r) AS type, a.id AS fromId, b.id AS toId`,
    { tenant, ids },
  );
}

async function checkEndpoints(
  step: Step,
  tenant: string,
  relationships: readonly RelationshipInput[],
): Promise<void> {
  const wanted = new Set<string>();
  for (const r of relationships) wanted.add(r.fromId).add(r.toId);
  const row = await step.one<{ existing: string[] }>(
    `UNWIND $ids AS id
     MATCH ${nodeByKey("n", "id")} ${seekNode("n")}
     RETURN collect(n.id) AS existing`,
    { tenant, ids: [...wanted] },
  );
  const existing = new Set(row?.existing ?? []);
  assertEndpointsExist(relationships, existing);
}

function lastById(nodes: readonly GraphNode[]): Map<string, GraphNode> {
  const byId = new Map<string, GraphNode>();
  for (const node of nodes) {
    byId.delete(node.id);
    byId.set(node.id, node);
  }
  return byId;
}
