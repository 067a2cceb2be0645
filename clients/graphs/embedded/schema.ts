import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { addRetentionSchema } from "./retention.js";
import { addSubjectSchema } from "./subjects.js";

/** File name of the graph database inside the data directory. */
export const graphDatabaseFile = "graphs.sqlite";

/**
 * Nodes are keyed by (tenant, id). Relationships live in a rowid table (their properties
 * may be large, and fetching rows found through an index by rowid measured about twice as
 * fast as by (tenant, id)); both of their indexes end with the far endpoint and the id, so
 * a traversal step is answered from the index alone.
 */
const ddl = `
CREATE TABLE IF NOT EXISTS nodes (
  tenant TEXT NOT NULL,
  id TEXT NOT NULL,
  labels TEXT NOT NULL,
  properties TEXT NOT NULL,
  PRIMARY KEY (tenant, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS relationships (
  tenant TEXT NOT NULL,
  id TEXT NOT NULL,
  from_id TEXT NOT NULL,
  to_id TEXT NOT NULL,
  type TEXT NOT NULL,
  properties TEXT NOT NULL,
  UNIQUE (tenant, id)
);
CREATE INDEX IF NOT EXISTS relationships_out ON relationships (tenant, from_id, type, to_id, id);
CREATE INDEX IF NOT EXISTS relationships_in ON relationships (tenant, to_id, type, from_id, id);
`;

/**
 * Opens (creating if needed) the graph database in `dataDir`: WAL journal, full sync on
 * commit so an acknowledged batch survives a crash, and the schema above.
 */
export function openGraphDatabase(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, graphDatabaseFile));
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("busy_timeout = 5000");
    db.exec(ddl);
    addRetentionSchema(db, Date.now());
    addSubjectSchema(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
