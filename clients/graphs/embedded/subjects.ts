import type Database from "better-sqlite3";
import type { NodeRow, RelationshipRow } from "./statements.js";

/**
 * Adds data subjects to a database made before they existed: a nullable `subject` column
 * on nodes and relationships (rows already there have none), and one partial index per
 * table on (tenant, subject, id) over the rows that have a subject, through which a
 * subject's items are paged in id order and found for deletion.
 */
export function addSubjectSchema(db: Database.Database): void {
  for (const table of ["nodes", "relationships"]) {
    const columns = db.pragma(`table_info(${table})`) as { name: string }[];
    if (!columns.some((column) => column.name === "subject")) {
      db.exec(`ALTER TABLE ${table} ADD COLUMN subject TEXT`);
    }
  }
  db.exec(`
CREATE INDEX IF NOT EXISTS nodes_by_subject ON nodes (tenant, subject, id) WHERE subject IS NOT NULL;
CREATE INDEX IF NOT EXISTS relationships_by_subject
  ON relationships (tenant, subject, id) WHERE subject IS NOT NULL;
`);
}

interface SubjectQuery {
  tenant: string;
  subject: string;
  /** "" for the first page. */
  after: string;
  limit: number;
}

/**
 * The statements that find a tenant's items of one subject, in id order (SQLite's BINARY
 * collation: UTF-8 byte order, which is `compareIds`), through the subject indexes.
 */
export class GraphSubjects {
  readonly nodes: Database.Statement<[SubjectQuery], NodeRow>;
  readonly relationships: Database.Statement<[SubjectQuery], RelationshipRow>;
  readonly nodeIds: Database.Statement<[SubjectQuery], string>;
  readonly relationshipIds: Database.Statement<[SubjectQuery], string>;

  constructor(db: Database.Database) {
    // Ids are never empty, so `after` is "" for the first page.
    const after = "id > @after";
    this.nodes = db.prepare(
      `SELECT id, labels, properties, subject FROM nodes INDEXED BY nodes_by_subject
       WHERE tenant = @tenant AND subject = @subject AND ${after} ORDER BY id LIMIT @limit`,
    );
    this.relationships = db.prepare(
      `SELECT id, from_id, to_id, type, properties, subject
       FROM relationships INDEXED BY relationships_by_subject
       WHERE tenant = @tenant AND subject = @subject AND ${after} ORDER BY id LIMIT @limit`,
    );
    this.nodeIds = db
      .prepare<[SubjectQuery], string>(
        `SELECT id FROM nodes INDEXED BY nodes_by_subject
         WHERE tenant = @tenant AND subject = @subject AND ${after} ORDER BY id LIMIT @limit`,
      )
      .pluck();
    this.relationshipIds = db
      .prepare<[SubjectQuery], string>(
        `SELECT id FROM relationships INDEXED BY relationships_by_subject
         WHERE tenant = @tenant AND subject = @subject AND ${after} ORDER BY id LIMIT @limit`,
      )
      .pluck();
  }
}
