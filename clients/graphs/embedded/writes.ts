import type Database from "better-sqlite3";
import { normalizeLabels } from "../ordering.js";
import type {
  DeleteNodesResult,
  DeleteSubjectResult,
  GraphNode,
  RelationshipInput,
} from "../port.js";
import { assertEndpointsExist, connectedNodeError } from "../preconditions.js";
import { relationshipIdOf } from "../relationship-id.js";
import { storedSubject } from "../subjects.js";
import type { GraphStatements } from "./statements.js";
import type { GraphSubjects } from "./subjects.js";

/** The write operations of the embedded store, each one SQLite transaction. */
export class GraphWrites {
  readonly upsertNodes: (tenant: string, nodes: readonly GraphNode[]) => number;
  readonly upsertRelationships: (
    tenant: string,
    relationships: readonly RelationshipInput[],
  ) => string[];
  readonly deleteNodes: (
    tenant: string,
    ids: readonly string[],
    detach: boolean,
  ) => DeleteNodesResult;
  readonly deleteRelationships: (tenant: string, ids: readonly string[]) => number;
  readonly deleteSubject: (tenant: string, subject: string, limit: number) => DeleteSubjectResult;

  /** `now` stamps every node and relationship written with its write time (ms since the epoch). */
  constructor(
    db: Database.Database,
    sql: GraphStatements,
    subjects: GraphSubjects,
    now: () => number,
  ) {
    this.upsertNodes = db.transaction((tenant: string, nodes: readonly GraphNode[]) => {
      const written_at = now();
      for (const node of nodes) {
        sql.upsertNode.run({
          tenant,
          id: node.id,
          labels: JSON.stringify(normalizeLabels(node.labels)),
          properties: JSON.stringify(node.properties),
          subject: storedSubject(node.subject) ?? null,
          written_at,
        });
      }
      return nodes.length;
    });

    this.upsertRelationships = db.transaction(
      (tenant: string, relationships: readonly RelationshipInput[]) => {
        const endpoints = new Set<string>();
        for (const r of relationships) endpoints.add(r.fromId).add(r.toId);
        const rows = sql.existingNodeIds.all({ tenant, ids: JSON.stringify([...endpoints]) });
        const existing = new Set(rows.map((row) => row.id));
        assertEndpointsExist(relationships, existing);
        const written_at = now();
        return relationships.map((r) => {
          const id = relationshipIdOf(r);
          sql.upsertRelationship.run({
            tenant,
            id,
            from_id: r.fromId,
            to_id: r.toId,
            type: r.type,
            properties: JSON.stringify(r.properties),
            subject: storedSubject(r.subject) ?? null,
            written_at,
          });
          return id;
        });
      },
    );

    this.deleteNodes = db.transaction((tenant: string, ids: readonly string[], detach: boolean) => {
      const json = JSON.stringify(ids);
      let relationshipsDeleted = 0;
      if (detach) {
        relationshipsDeleted += sql.deleteRelationshipsFrom.run({ tenant, ids: json }).changes;
        relationshipsDeleted += sql.deleteRelationshipsTo.run({ tenant, ids: json }).changes;
      } else {
        ids.forEach((id, index) => {
          if (sql.hasRelationship.get({ tenant, id })?.found) {
            throw connectedNodeError(id, index);
          }
        });
      }
      const deleted = sql.deleteNodes.run({ tenant, ids: json }).changes;
      return { deleted, relationshipsDeleted };
    });

    this.deleteRelationships = db.transaction((tenant: string, ids: readonly string[]) => {
      return sql.deleteRelationships.run({ tenant, ids: JSON.stringify(ids) }).changes;
    });

    // First at most `limit` of the subject's relationships, then at most `limit` of its
    // nodes with every relationship they still have: each relationship is deleted once.
    this.deleteSubject = db.transaction((tenant: string, subject: string, limit: number) => {
      const query = { tenant, subject, after: "", limit };
      const relationshipIds = subjects.relationshipIds.all(query);
      let relationships =
        relationshipIds.length === 0 ? 0 : this.deleteRelationships(tenant, relationshipIds);
      const nodeIds = subjects.nodeIds.all(query);
      if (nodeIds.length === 0) return { nodes: 0, relationships };
      const detached = this.deleteNodes(tenant, nodeIds, true);
      relationships += detached.relationshipsDeleted;
      return { nodes: detached.deleted, relationships };
    });
  }
}
