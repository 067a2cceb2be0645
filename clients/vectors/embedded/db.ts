import Database from "better-sqlite3";
import { backupDatabase } from "../../snapshot.js";
import {
  type Distance,
  defaultIndexSettings,
  type IndexSettings,
  type PayloadIndexSpec,
} from "../port.js";
import { AliasDirectory } from "./aliases.js";
import { RetentionTable } from "./retention.js";
import { addSubjectColumns } from "./subjects.js";

/**
 * A collection row. `version` counts writes; `savedVersion` and `savedChecksum` describe
 * the saved index file (the version it reflects and its SHA-256), if any.
 */
export interface CollectionRow {
  readonly uid: number;
  readonly tenant: string;
  readonly name: string;
  readonly dimension: number;
  readonly distance: Distance;
  readonly payloadIndexes: readonly PayloadIndexSpec[];
  /** How its HNSW graph is built. */
  readonly index: IndexSettings;
  /** How long a point is kept after its last write, in ms; forever when absent. */
  readonly maxAgeMs?: number;
  /** Top-level payload keys whose values are stored encrypted (by a decorator). */
  readonly sensitiveFields: readonly string[];
  readonly version: number;
  readonly savedVersion: number | null;
  readonly savedChecksum: string | null;
}

/**
 * A point row. `key` is the point's numeric label in the HNSW index; `subject` is null
 * for a point without a data subject.
 */
export interface PointRow {
  readonly key: number;
  readonly id: string;
  readonly vector: Buffer;
  readonly payload: string;
  readonly subject: string | null;
}

/**
 * A point to write: its vector as Float32 bytes, its payload as JSON text, and its data
 * subject (null for none).
 */
export interface PointWrite {
  readonly id: string;
  readonly vector: Buffer;
  readonly payload: string;
  readonly subject: string | null;
}

const schema = `
CREATE TABLE IF NOT EXISTS collections (
  uid INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant TEXT NOT NULL,
  name TEXT NOT NULL,
  dimension INTEGER NOT NULL,
  distance TEXT NOT NULL,
  payload_indexes TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 0,
  saved_version INTEGER,
  saved_checksum TEXT,
  index_settings TEXT,
  UNIQUE (tenant, name)
);
CREATE TABLE IF NOT EXISTS points (
  key INTEGER PRIMARY KEY AUTOINCREMENT,
  collection_uid INTEGER NOT NULL REFERENCES collections (uid) ON DELETE CASCADE,
  id TEXT NOT NULL,
  vector BLOB NOT NULL,
  payload TEXT NOT NULL,
  UNIQUE (collection_uid, id)
);
`;

interface RawCollectionRow {
  uid: number;
  tenant: string;
  name: string;
  dimension: number;
  distance: Distance;
  payload_indexes: string;
  version: number;
  saved_version: number | null;
  saved_checksum: string | null;
  index_settings: string | null;
  max_age_ms?: number | null;
  sensitive_fields?: string | null;
}

function toCollection(row: RawCollectionRow): CollectionRow {
  return {
    uid: row.uid,
    tenant: row.tenant,
    name: row.name,
    dimension: row.dimension,
    distance: row.distance,
    payloadIndexes: JSON.parse(row.payload_indexes) as PayloadIndexSpec[],
    index:
      row.index_settings === null
        ? defaultIndexSettings
        : (JSON.parse(row.index_settings) as IndexSettings),
    ...(row.max_age_ms ? { maxAgeMs: row.max_age_ms } : {}),
    sensitiveFields: row.sensitive_fields ? (JSON.parse(row.sensitive_fields) as string[]) : [],
    version: row.version,
    savedVersion: row.saved_version,
    savedChecksum: row.saved_checksum,
  };
}

/**
 * The embedded vector store's source of truth: collections and points in one SQLite
 * file. Every write bumps the collection's version in the same transaction, so a saved
 * index file can be checked for staleness. Points of a collection are keyed by its
 * `uid`, which belongs to exactly one (tenant, name). Aliases live beside them
 * (aliases.ts).
 */
export class VectorDb {
  /** The tenants' aliases of collections, in the same file. */
  readonly aliases: AliasDirectory;
  /** Maximum ages of collections and write times of points, in the same file. */
  readonly retention: RetentionTable;
  readonly #db: Database.Database;
  readonly #statements;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.aliases = new AliasDirectory(db);
    this.retention = new RetentionTable(db, Date.now());
    this.#statements = {
      findCollection: db.prepare<[string, string], RawCollectionRow>(
        "SELECT * FROM collections WHERE tenant = ? AND name = ?",
      ),
      listCollections: db.prepare<[string, string, number], RawCollectionRow>(
        "SELECT * FROM collections WHERE tenant = ? AND name > ? ORDER BY name LIMIT ?",
      ),
      insertCollection: db.prepare<
        [string, string, number, string, string, string, string | null],
        RawCollectionRow
      >(
        `INSERT INTO collections
           (tenant, name, dimension, distance, payload_indexes, index_settings, sensitive_fields)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      ),
      deleteCollection: db.prepare<[number]>("DELETE FROM collections WHERE uid = ?"),
      deleteCollectionPoints: db.prepare<[number]>("DELETE FROM points WHERE collection_uid = ?"),
      countPoints: db
        .prepare<[number], number>("SELECT count(*) FROM points WHERE collection_uid = ?")
        .pluck(),
      points: db.prepare<[number], PointRow>(
        "SELECT key, id, vector, payload, subject FROM points WHERE collection_uid = ?",
      ),
      keysInIdOrder: db
        .prepare<[number, string], number>(
          "SELECT key FROM points WHERE collection_uid = ? AND id > ? ORDER BY id",
        )
        .pluck(),
      keysOfSubject: db
        .prepare<[number, string, string], number>(
          "SELECT key FROM points WHERE collection_uid = ? AND subject = ? AND id > ? ORDER BY id",
        )
        .pluck(),
      upsertPoint: db
        .prepare<[number, string, Buffer, string, number, string | null], number>(
          `INSERT INTO points (collection_uid, id, vector, payload, written_at, subject)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (collection_uid, id) DO UPDATE
           SET vector = excluded.vector, payload = excluded.payload,
               written_at = excluded.written_at, subject = excluded.subject
           RETURNING key`,
        )
        .pluck(),
      deletePoint: db.prepare<[number]>("DELETE FROM points WHERE key = ?"),
      bumpVersion: db
        .prepare<[number], number>(
          "UPDATE collections SET version = version + 1 WHERE uid = ? RETURNING version",
        )
        .pluck(),
      markSaved: db.prepare<[number, string, number]>(
        "UPDATE collections SET saved_version = ?, saved_checksum = ? WHERE uid = ?",
      ),
    };
  }

  /** Opens (creating if needed) the database file, locked to this process. */
  static open(path: string): VectorDb {
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec(schema);
    addIndexSettingsColumn(db);
    addSubjectColumns(db);
    return new VectorDb(db);
  }

  /** The collection the tenant calls `name`, if any. */
  findCollection(tenant: string, name: string): CollectionRow | undefined {
    const row = this.#statements.findCollection.get(tenant, name);
    return row === undefined ? undefined : toCollection(row);
  }

  /** Up to `limit` of the tenant's collections named after `after`, in name order. */
  listCollections(tenant: string, after: string, limit: number): CollectionRow[] {
    return this.#statements.listCollections.all(tenant, after, limit).map(toCollection);
  }

  /** Inserts a collection; the caller has checked that the name is free. */
  insertCollection(
    tenant: string,
    name: string,
    dimension: number,
    distance: Distance,
    payloadIndexes: readonly PayloadIndexSpec[],
    index: IndexSettings = defaultIndexSettings,
    sensitiveFields: readonly string[] = [],
  ): CollectionRow {
    const row = this.#statements.insertCollection.get(
      tenant,
      name,
      dimension,
      distance,
      JSON.stringify(payloadIndexes),
      JSON.stringify({ m: index.m, efConstruct: index.efConstruct }),
      sensitiveFields.length === 0 ? null : JSON.stringify(sensitiveFields),
    );
    return toCollection(row as RawCollectionRow);
  }

  /** Deletes a collection and all its points in one transaction. */
  deleteCollection(uid: number): void {
    this.#db.transaction(() => {
      this.#statements.deleteCollectionPoints.run(uid);
      this.#statements.deleteCollection.run(uid);
    })();
  }

  /** Number of points in a collection. */
  countPoints(uid: number): number {
    return this.#statements.countPoints.get(uid) ?? 0;
  }

  /** Every point of a collection, in no particular order. */
  points(uid: number): IterableIterator<PointRow> {
    return this.#statements.points.iterate(uid);
  }

  /** Keys of a collection's points whose id sorts after `after`, in id order. */
  keysInIdOrder(uid: number, after: string): IterableIterator<number> {
    return this.#statements.keysInIdOrder.iterate(uid, after);
  }

  /**
   * Keys of a collection's points of one data subject whose id sorts after `after`, in
   * id order (the subject index).
   */
  keysOfSubject(uid: number, subject: string, after = ""): IterableIterator<number> {
    return this.#statements.keysOfSubject.iterate(uid, subject, after);
  }

  /**
   * Inserts or replaces points in one transaction, each written at `now` (ms since the
   * epoch), and bumps the version. Returns each point's key (unchanged for a replaced id)
   * and the new version.
   */
  upsertPoints(
    uid: number,
    points: readonly PointWrite[],
    now: number,
  ): { keys: number[]; version: number } {
    return this.#db.transaction(() => {
      const keys = points.map(
        (point) =>
          this.#statements.upsertPoint.get(
            uid,
            point.id,
            point.vector,
            point.payload,
            now,
            point.subject,
          )!,
      );
      return { keys, version: this.#statements.bumpVersion.get(uid)! };
    })();
  }

  /** Deletes points by key in one transaction; returns the new version. */
  deletePoints(uid: number, keys: readonly number[]): number {
    return this.#db.transaction(() => {
      for (const key of keys) this.#statements.deletePoint.run(key);
      return this.#statements.bumpVersion.get(uid)!;
    })();
  }

  /** Records that the index file of a collection reflects `version` and has `checksum`. */
  markSaved(uid: number, version: number, checksum: string): void {
    this.#statements.markSaved.run(version, checksum, uid);
  }

  /** Copies the database to `path` with SQLite's online backup (see `backupDatabase`). */
  backup(path: string, signal?: AbortSignal): Promise<void> {
    return backupDatabase(this.#db, path, signal);
  }

  /** Whether the database answers. */
  ping(): boolean {
    return this.#db.prepare("SELECT 1").pluck().get() === 1;
  }

  /** Closes the database. */
  close(): void {
    this.#db.close();
  }
}

/**
 * Adds `index_settings` to a collections table made before collections had index
 * settings; its rows read as {@link defaultIndexSettings}, which they were built with.
 */
function addIndexSettingsColumn(db: Database.Database): void {
  const columns = db.pragma("table_info(collections)") as { name: string }[];
  if (!columns.some((column) => column.name === "index_settings"))
    db.exec("ALTER TABLE collections ADD COLUMN index_settings TEXT");
}
