import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import Sqlite, { type Database, type Statement } from "better-sqlite3";
import { EngineUnavailableError, throwIfAborted } from "../../errors.js";
import type { EngineHealth } from "../../health.js";
import { backupDatabase, type Snapshottable } from "../../snapshot.js";
import {
  checkKeyNames,
  type DataKeyPage,
  type DataKeyPageRequest,
  type DataKeyRecord,
  type DataKeyStore,
} from "../port.js";

/** The directory of the key store (and of the default key file) under DATA_DIR. */
export const keysDirectoryName = "keys";

/** File name of the data key database inside `<dataDir>/keys`. */
export const dataKeysDatabaseFile = "data-keys.sqlite";

const engine = "data key store";

const ddl = `
CREATE TABLE IF NOT EXISTS data_keys (
  tenant     TEXT    NOT NULL,
  id         TEXT    NOT NULL,
  wrapped    BLOB    NOT NULL,
  kek_id     TEXT    NOT NULL,
  created_ms INTEGER NOT NULL,
  PRIMARY KEY (tenant, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS data_key_names (
  tenant TEXT NOT NULL,
  name   TEXT NOT NULL,
  id     TEXT NOT NULL,
  PRIMARY KEY (tenant, name)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS data_key_names_by_id ON data_key_names (tenant, id);
`;

interface Row {
  readonly tenant: string;
  readonly id: string;
  readonly wrapped: Buffer;
  readonly kek_id: string;
  readonly created_ms: number;
}

/**
 * The data key store of a single-process server: SQLite at
 * `<dataDir>/keys/data-keys.sqlite` (directory mode 0700) with `secure_delete` on, so a
 * deleted key's bytes are overwritten with zeros in the database file; each delete is
 * followed by a WAL checkpoint that truncates the WAL, so no copy of the page lingers
 * there either. (Copies the filesystem or the disk keeps on their own are beyond reach:
 * the records are wrapped by the KEK, which the store never sees.)
 */
export class EmbeddedDataKeyStore implements DataKeyStore, Snapshottable {
  readonly #db: Database;
  readonly #byId: Statement<[string, string], Row>;
  readonly #byName: Statement<[string, string], Row>;
  readonly #insertKey: Statement<[string, string, Buffer, string, number]>;
  readonly #insertName: Statement<[string, string, string]>;
  readonly #idOfName: Statement<[string, string], { id: string }>;
  readonly #nameOfId: Statement<[string, string], { name: string }>;
  readonly #deleteName: Statement<[string, string]>;
  readonly #deleteKey: Statement<[string, string]>;
  readonly #page: Statement<[string, string, string, number], Row>;
  readonly #replace: Statement<[Buffer, string, string, string, string]>;
  readonly #create: (tenant: string, name: string, record: DataKeyRecord) => DataKeyRecord;
  readonly #delete: (tenant: string, name: string) => boolean;
  #closed = false;

  private constructor(db: Database) {
    this.#db = db;
    const columns = "tenant, id, wrapped, kek_id, created_ms";
    this.#byId = db.prepare(`SELECT ${columns} FROM data_keys WHERE tenant = ? AND id = ?`);
    this.#byName = db.prepare(
      `SELECT k.tenant, k.id, k.wrapped, k.kek_id, k.created_ms FROM data_key_names n
       JOIN data_keys k ON k.tenant = n.tenant AND k.id = n.id WHERE n.tenant = ? AND n.name = ?`,
    );
    this.#insertKey = db.prepare(`INSERT INTO data_keys (${columns}) VALUES (?, ?, ?, ?, ?)`);
    this.#insertName = db.prepare("INSERT INTO data_key_names (tenant, name, id) VALUES (?, ?, ?)");
    this.#idOfName = db.prepare("SELECT id FROM data_key_names WHERE tenant = ? AND name = ?");
    this.#nameOfId = db.prepare("SELECT name FROM data_key_names WHERE tenant = ? AND id = ?");
    this.#deleteName = db.prepare("DELETE FROM data_key_names WHERE tenant = ? AND name = ?");
    this.#deleteKey = db.prepare("DELETE FROM data_keys WHERE tenant = ? AND id = ?");
    this.#page = db.prepare(
      `SELECT ${columns} FROM data_keys WHERE tenant > ? OR (tenant = ? AND id > ?)
       ORDER BY tenant, id LIMIT ?`,
    );
    this.#replace = db.prepare(
      "UPDATE data_keys SET wrapped = ?, kek_id = ? WHERE tenant = ? AND id = ? AND kek_id = ?",
    );
    const create = db.transaction((tenant: string, name: string, record: DataKeyRecord) => {
      const existing = this.#byName.get(tenant, name);
      if (existing !== undefined) return toRecord(existing);
      const stale = this.#idOfName.get(tenant, name);
      if (stale !== undefined) this.#deleteName.run(tenant, name);
      if (this.#byId.get(tenant, record.id) !== undefined) {
        throw new RangeError(`data key id "${record.id}" is taken in tenant "${tenant}"`);
      }
      this.#insertKey.run(
        tenant,
        record.id,
        Buffer.from(record.wrapped),
        record.kekId,
        record.createdMs,
      );
      this.#insertName.run(tenant, name, record.id);
      return record;
    });
    this.#create = (tenant, name, record) => create.immediate(tenant, name, record);
    const remove = db.transaction((tenant: string, name: string) => {
      const row = this.#idOfName.get(tenant, name);
      if (row === undefined) return false;
      this.#deleteName.run(tenant, name);
      this.#deleteKey.run(tenant, row.id);
      return true;
    });
    this.#delete = (tenant, name) => remove.immediate(tenant, name);
  }

  /** Opens (creating if needed) the store under `<dataDir>/keys`. */
  static async open(dataDir: string): Promise<EmbeddedDataKeyStore> {
    const dir = join(dataDir, keysDirectoryName);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (process.platform !== "win32") chmodSync(dir, 0o700);
    const db = new Sqlite(join(dir, dataKeysDatabaseFile));
    try {
      db.pragma("secure_delete = ON");
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.pragma("busy_timeout = 5000");
      db.exec(ddl);
      return new EmbeddedDataKeyStore(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  async getById(
    tenant: string,
    id: string,
    signal?: AbortSignal,
  ): Promise<DataKeyRecord | undefined> {
    throwIfAborted(signal);
    const row = this.#run(() => this.#byId.get(tenant, id));
    return row === undefined ? undefined : toRecord(row);
  }

  async getByName(
    tenant: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<DataKeyRecord | undefined> {
    throwIfAborted(signal);
    const row = this.#run(() => this.#byName.get(tenant, name));
    return row === undefined ? undefined : toRecord(row);
  }

  async createIfAbsent(
    tenant: string,
    name: string,
    record: DataKeyRecord,
    signal?: AbortSignal,
  ): Promise<DataKeyRecord> {
    checkKeyNames(tenant, name, record.id);
    throwIfAborted(signal);
    return this.#run(() => this.#create(tenant, name, record));
  }

  async deleteByName(tenant: string, name: string, signal?: AbortSignal): Promise<boolean> {
    throwIfAborted(signal);
    const deleted = this.#run(() => this.#delete(tenant, name));
    if (deleted) this.#run(() => this.#db.pragma("wal_checkpoint(TRUNCATE)"));
    return deleted;
  }

  async list(page: DataKeyPageRequest, signal?: AbortSignal): Promise<DataKeyPage> {
    throwIfAborted(signal);
    if (!Number.isInteger(page.limit) || page.limit < 1) {
      throw new RangeError(`limit must be a positive integer, got ${page.limit}`);
    }
    const [tenant, id] = decodeCursor(page.after);
    const rows = this.#run(() => this.#page.all(tenant, tenant, id, page.limit + 1));
    const records = rows
      .slice(0, page.limit)
      .map((row) => ({ tenant: row.tenant, ...toRecord(row) }));
    const last = records.at(-1);
    return rows.length > page.limit && last !== undefined
      ? { records, next: encodeCursor(last.tenant, last.id) }
      : { records };
  }

  async replaceWrapping(
    tenant: string,
    id: string,
    expectedKekId: string,
    wrapped: Uint8Array,
    kekId: string,
    signal?: AbortSignal,
  ): Promise<boolean> {
    throwIfAborted(signal);
    const { changes } = this.#run(() =>
      this.#replace.run(Buffer.from(wrapped), kekId, tenant, id, expectedKekId),
    );
    return changes > 0;
  }

  /** The name an id is stored under, or undefined (for tests and diagnostics). */
  nameOf(tenant: string, id: string): string | undefined {
    return this.#run(() => this.#nameOfId.get(tenant, id))?.name;
  }

  /** Copies the database to `targetDir/data-keys.sqlite` while the store keeps serving. */
  async snapshot(targetDir: string, signal?: AbortSignal): Promise<void> {
    if (this.#closed) throw new EngineUnavailableError(`${engine} (closed)`);
    await backupDatabase(this.#db, join(targetDir, dataKeysDatabaseFile), signal);
  }

  async health(): Promise<EngineHealth> {
    if (this.#closed) return { ok: false, detail: "closed" };
    return { ok: true };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  #run<T>(query: () => T): T {
    if (this.#closed) throw new EngineUnavailableError(`${engine} (closed)`);
    return query();
  }
}

function toRecord(row: Row): DataKeyRecord {
  return {
    id: row.id,
    wrapped: new Uint8Array(row.wrapped),
    kekId: row.kek_id,
    createdMs: row.created_ms,
  };
}

function encodeCursor(tenant: string, id: string): string {
  return Buffer.from(JSON.stringify([tenant, id])).toString("base64url");
}

function decodeCursor(cursor: string | undefined): [string, string] {
  if (cursor === undefined) return ["", ""];
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && typeof value[0] === "string" && typeof value[1] === "string") {
      return [value[0], value[1]];
    }
  } catch {
    // falls through
  }
  throw new RangeError("after is not a cursor of this store");
}
