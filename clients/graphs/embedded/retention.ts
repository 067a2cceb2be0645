import type Database from "better-sqlite3";
import type { LabelMaxAge } from "../port.js";

interface MaxAgeRow {
  readonly tenant: string;
  readonly label: string;
  readonly max_age_ms: number;
}

/**
 * Adds write times to a database made before they existed: a `written_at` column on
 * nodes and relationships (rows already there count as written at `now`), the index that
 * finds a tenant's oldest nodes, and the table of the labels' maximum ages.
 */
export function addRetentionSchema(db: Database.Database, now: number): void {
  for (const table of ["nodes", "relationships"]) {
    const columns = db.pragma(`table_info(${table})`) as { name: string }[];
    if (columns.some((column) => column.name === "written_at")) continue;
    db.exec(`ALTER TABLE ${table} ADD COLUMN written_at INTEGER NOT NULL DEFAULT 0`);
    db.prepare(`UPDATE ${table} SET written_at = ?`).run(now);
  }
  db.exec(`
CREATE INDEX IF NOT EXISTS nodes_by_write_time ON nodes (tenant, written_at);
CREATE TABLE IF NOT EXISTS label_retention (
  tenant TEXT NOT NULL,
  label TEXT NOT NULL,
  max_age_ms INTEGER NOT NULL,
  PRIMARY KEY (tenant, label)
) WITHOUT ROWID;
`);
}

/**
 * The labels' maximum ages and the search for expired nodes. A tenant's nodes are walked
 * oldest first through `nodes_by_write_time`, so a search costs the expired nodes it
 * passes (those of other labels included), never the tenant's whole graph.
 */
export class GraphRetention {
  readonly #statements;

  constructor(db: Database.Database) {
    this.#statements = {
      set: db.prepare<[string, string, number]>(
        `INSERT INTO label_retention (tenant, label, max_age_ms) VALUES (?, ?, ?)
         ON CONFLICT (tenant, label) DO UPDATE SET max_age_ms = excluded.max_age_ms`,
      ),
      clear: db.prepare<[string, string]>(
        "DELETE FROM label_retention WHERE tenant = ? AND label = ?",
      ),
      all: db.prepare<[], MaxAgeRow>(
        "SELECT tenant, label, max_age_ms FROM label_retention ORDER BY tenant, label",
      ),
      ofTenant: db.prepare<[string], MaxAgeRow>(
        "SELECT tenant, label, max_age_ms FROM label_retention WHERE tenant = ? ORDER BY label",
      ),
      expired: db
        .prepare<[string, number, string, number], string>(
          `SELECT id FROM nodes INDEXED BY nodes_by_write_time
           WHERE tenant = ? AND written_at < ?
             AND EXISTS (SELECT 1 FROM json_each(nodes.labels) AS l WHERE l.value = ?)
           ORDER BY written_at LIMIT ?`,
        )
        .pluck(),
    };
  }

  /** Sets or clears a label's maximum age. */
  set(tenant: string, label: string, maxAgeMs: number | undefined): void {
    if (maxAgeMs === undefined) this.#statements.clear.run(tenant, label);
    else this.#statements.set.run(tenant, label, maxAgeMs);
  }

  /** One tenant's maximum ages, or every tenant's. */
  list(tenant: string | undefined): LabelMaxAge[] {
    const rows =
      tenant === undefined ? this.#statements.all.all() : this.#statements.ofTenant.all(tenant);
    return rows.map((row) => ({ tenant: row.tenant, label: row.label, maxAgeMs: row.max_age_ms }));
  }

  /** Ids of at most `limit` of the tenant's nodes with `label` written before `beforeMs`. */
  expired(tenant: string, label: string, beforeMs: number, limit: number): string[] {
    return this.#statements.expired.all(tenant, beforeMs, label, limit);
  }
}
