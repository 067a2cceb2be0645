import type Database from "better-sqlite3";
import type { CollectionMaxAge } from "../port.js";

interface MaxAgeRow {
  readonly tenant: string;
  readonly name: string;
  readonly max_age_ms: number;
}

/**
 * Retention in the embedded vector store: each collection's maximum age (a column of
 * `collections`) and each point's write time (a column of `points`, indexed with its
 * collection so that the oldest points of one collection are found by a range scan).
 * A database made before retention existed gets both columns when it is opened; its
 * points count as written at that moment.
 */
export class RetentionTable {
  readonly #statements;

  constructor(db: Database.Database, now: number) {
    addColumns(db, now);
    this.#statements = {
      setMaxAge: db.prepare<[number | null, number]>(
        "UPDATE collections SET max_age_ms = ? WHERE uid = ?",
      ),
      listMaxAges: db.prepare<[], MaxAgeRow>(
        `SELECT tenant, name, max_age_ms FROM collections
         WHERE max_age_ms IS NOT NULL AND max_age_ms > 0 ORDER BY tenant, name`,
      ),
      keysWrittenBefore: db
        .prepare<[number, number, number], number>(
          `SELECT key FROM points WHERE collection_uid = ? AND written_at < ?
           ORDER BY written_at LIMIT ?`,
        )
        .pluck(),
    };
  }

  /** Sets a collection's maximum age; `undefined` keeps its points forever. */
  setMaxAge(uid: number, maxAgeMs: number | undefined): void {
    this.#statements.setMaxAge.run(maxAgeMs ?? null, uid);
  }

  /** Every collection with a maximum age, by tenant and name. */
  listMaxAges(): CollectionMaxAge[] {
    return this.#statements.listMaxAges
      .all()
      .map((row) => ({ tenant: row.tenant, collection: row.name, maxAgeMs: row.max_age_ms }));
  }

  /** Keys of at most `limit` points of a collection written before `beforeMs`, oldest first. */
  keysWrittenBefore(uid: number, beforeMs: number, limit: number): number[] {
    return this.#statements.keysWrittenBefore.all(uid, beforeMs, limit);
  }
}

function addColumns(db: Database.Database, now: number): void {
  const collections = db.pragma("table_info(collections)") as { name: string }[];
  if (!collections.some((column) => column.name === "max_age_ms"))
    db.exec("ALTER TABLE collections ADD COLUMN max_age_ms INTEGER");
  const points = db.pragma("table_info(points)") as { name: string }[];
  if (!points.some((column) => column.name === "written_at")) {
    db.exec("ALTER TABLE points ADD COLUMN written_at INTEGER NOT NULL DEFAULT 0");
    db.prepare("UPDATE points SET written_at = ?").run(now);
  }
  db.exec("CREATE INDEX IF NOT EXISTS points_by_write_time ON points (collection_uid, written_at)");
}
