import type Database from "better-sqlite3";
import { normalizeLabels } from "../ordering.js";
import type { DeleteNodesResult, GraphNode, RelationshipInput } from "../port.js";
import { assertEndpointsExist, connectedNodeError } from "../preconditions.js";
import { relationshipIdOf } from "../relationship-id.js";
import type { GraphStatements } from "./statements.js";

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

  /** `now` stamps every node and relationship written with its write time (ms since the epoch). */
  constructor(db: Database.Database, sql: GraphStatements, now: () => number) {
    this.upsertNodes = db.transaction((tenant: string, nodes: readonly GraphNode[]) => {
      const written_at = now();
      for (const node of nodes) {
        sql.upsertNode.run({
          tenant,
          id: node.id,
          labels: JSON.stringify(normalizeLabels(node.labels)),
          properties: JSON.stringify(node.properties),
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
  }
}
