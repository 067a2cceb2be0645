import type Database from "better-sqlite3";
import type { GraphNode, GraphRelationship, Properties } from "../port.js";
import { subjectField } from "../subjects.js";

/** A stored node as SQLite returns it (labels and properties as JSON text). */
export interface NodeRow {
  readonly id: string;
  readonly labels: string;
  readonly properties: string;
  /** The node's data subject, null for none. */
  readonly subject: string | null;
}

/** A stored relationship as SQLite returns it (properties as JSON text). */
export interface RelationshipRow {
  readonly id: string;
  readonly from_id: string;
  readonly to_id: string;
  readonly type: string;
  readonly properties: string;
  /** The relationship's data subject, null for none. */
  readonly subject: string | null;
}

/** One traversal step: a relationship id and the nodes on either side. */
export interface StepRow {
  readonly id: string;
  readonly near: string;
  readonly far: string;
}

/** Which endpoint column a traversal step starts from. */
export type Side = "out" | "in";

type Statement<P, R = unknown> = Database.Statement<[P], R>;
interface Tenant {
  tenant: string;
}
interface TenantId extends Tenant {
  id: string;
}
interface TenantIds extends Tenant {
  ids: string;
}
interface Frontier extends TenantIds {
  types: string;
}

const inIds = "(SELECT value FROM json_each(@ids))";
const inTypes = "(SELECT value FROM json_each(@types))";

/**
 * Every SQL statement of the embedded graph store, prepared once. Lists of ids or types
 * are bound as one JSON array (`@ids`, `@types`) and expanded with `json_each`, so a whole
 * BFS level is one query whatever its size. Without statistics SQLite's planner would
 * scan a tenant's relationships for some of the `IN` lists, so those name their index.
 */
export class GraphStatements {
  readonly upsertNode: Statement<
    TenantId & { labels: string; properties: string; subject: string | null; written_at: number }
  >;
  readonly upsertRelationship: Statement<
    TenantId & {
      from_id: string;
      to_id: string;
      type: string;
      properties: string;
      subject: string | null;
      written_at: number;
    }
  >;
  readonly getNode: Statement<TenantId, NodeRow>;
  readonly nodesByIds: Statement<TenantIds, NodeRow>;
  readonly existingNodeIds: Statement<TenantIds, { id: string }>;
  readonly nodeIdsWithLabels: Statement<TenantIds & { labels: string }, { id: string }>;
  readonly hasRelationship: Statement<TenantId, { found: number }>;
  readonly relationshipsByIds: Statement<TenantIds, RelationshipRow>;
  readonly relationshipsAmong: Statement<TenantIds, RelationshipRow>;
  readonly relationshipsAmongTyped: Statement<Frontier, RelationshipRow>;
  readonly deleteRelationshipsFrom: Statement<TenantIds>;
  readonly deleteRelationshipsTo: Statement<TenantIds>;
  readonly deleteRelationships: Statement<TenantIds>;
  readonly deleteNodes: Statement<TenantIds>;
  private readonly steps = new Map<string, Statement<TenantIds | Frontier, StepRow>>();

  constructor(private readonly db: Database.Database) {
    this.upsertNode = db.prepare(
      `INSERT INTO nodes (tenant, id, labels, properties, subject, written_at)
       VALUES (@tenant, @id, @labels, @properties, @subject, @written_at)
       ON CONFLICT (tenant, id) DO UPDATE SET labels = excluded.labels,
         properties = excluded.properties, subject = excluded.subject,
         written_at = excluded.written_at`,
    );
    this.upsertRelationship = db.prepare(
      `INSERT INTO relationships (tenant, id, from_id, to_id, type, properties, subject, written_at)
       VALUES (@tenant, @id, @from_id, @to_id, @type, @properties, @subject, @written_at)
       ON CONFLICT (tenant, id) DO UPDATE SET from_id = excluded.from_id, to_id = excluded.to_id,
         type = excluded.type, properties = excluded.properties, subject = excluded.subject,
         written_at = excluded.written_at`,
    );
    this.getNode = db.prepare(
      "SELECT id, labels, properties, subject FROM nodes WHERE tenant = @tenant AND id = @id",
    );
    this.nodesByIds = db.prepare(
      `SELECT id, labels, properties, subject FROM nodes WHERE tenant = @tenant AND id IN ${inIds}`,
    );
    this.existingNodeIds = db.prepare(
      `SELECT id FROM nodes WHERE tenant = @tenant AND id IN ${inIds}`,
    );
    this.nodeIdsWithLabels = db.prepare(
      `SELECT id FROM nodes WHERE tenant = @tenant AND id IN ${inIds} AND EXISTS (
         SELECT 1 FROM json_each(nodes.labels) AS l
         WHERE l.value IN (SELECT value FROM json_each(@labels)))`,
    );
    this.hasRelationship = db.prepare(
      `SELECT EXISTS (SELECT 1 FROM relationships WHERE tenant = @tenant AND from_id = @id)
           OR EXISTS (SELECT 1 FROM relationships WHERE tenant = @tenant AND to_id = @id) AS found`,
    );
    const relationshipColumns = "id, from_id, to_id, type, properties, subject";
    this.relationshipsByIds = db.prepare(
      `SELECT ${relationshipColumns} FROM relationships WHERE tenant = @tenant AND id IN ${inIds}`,
    );
    const among = `SELECT ${relationshipColumns} FROM relationships INDEXED BY relationships_out
       WHERE tenant = @tenant AND from_id IN ${inIds} AND to_id IN ${inIds}`;
    this.relationshipsAmong = db.prepare(among);
    this.relationshipsAmongTyped = db.prepare(`${among} AND type IN ${inTypes}`);
    this.deleteRelationshipsFrom = db.prepare(
      `DELETE FROM relationships INDEXED BY relationships_out
       WHERE tenant = @tenant AND from_id IN ${inIds}`,
    );
    this.deleteRelationshipsTo = db.prepare(
      `DELETE FROM relationships INDEXED BY relationships_in
       WHERE tenant = @tenant AND to_id IN ${inIds}`,
    );
    this.deleteRelationships = db.prepare(
      `DELETE FROM relationships WHERE tenant = @tenant AND id IN ${inIds}`,
    );
    this.deleteNodes = db.prepare(`DELETE FROM nodes WHERE tenant = @tenant AND id IN ${inIds}`);
  }

  /**
   * The relationships leaving (`out`) or entering (`in`) any node of `@ids`, optionally of
   * `@types` only, as (id, near endpoint, far endpoint); answered from one index.
   */
  step(side: Side, typed: boolean): Statement<TenantIds | Frontier, StepRow> {
    const key = `${side}:${typed}`;
    let statement = this.steps.get(key);
    if (!statement) {
      const [near, far] = side === "out" ? ["from_id", "to_id"] : ["to_id", "from_id"];
      statement = this.db.prepare(
        `SELECT id, ${near} AS near, ${far} AS far FROM relationships
         WHERE tenant = @tenant AND ${near} IN ${inIds}${typed ? ` AND type IN ${inTypes}` : ""}`,
      );
      this.steps.set(key, statement);
    }
    return statement;
  }
}

/** Decodes a node row. */
export function nodeFromRow(row: NodeRow): GraphNode {
  return {
    id: row.id,
    labels: JSON.parse(row.labels) as string[],
    properties: JSON.parse(row.properties) as Properties,
    ...subjectField(row.subject),
  };
}

/** Decodes a relationship row. */
export function relationshipFromRow(row: RelationshipRow): GraphRelationship {
  return {
    id: row.id,
    fromId: row.from_id,
    toId: row.to_id,
    type: row.type,
    properties: JSON.parse(row.properties) as Properties,
    ...subjectField(row.subject),
  };
}
