import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { EngineUnavailableError, throwIfAborted } from "../../clients/errors.js";
import { backupDatabase, type Snapshottable } from "../../clients/snapshot.js";
import { checkRevocation, Denylist, defaultRetentionMs } from "./denylist.js";
import type { RevocationList } from "./port.js";

/** Tuning of {@link EmbeddedRevocationList}. */
export interface EmbeddedRevocationOptions {
  /** How often expired entries are deleted. Default 60 000 ms. */
  readonly pruneIntervalMs?: number;
  /** How long an entry is kept past its `expiresAt`. Default 300 000 ms (the largest skew). */
  readonly retainMs?: number;
  /** The clock, in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

/** File name of the revocation database inside `<dataDir>/auth`. */
export const revocationsDatabaseFile = "revocations.db";

const ddl = `
CREATE TABLE IF NOT EXISTS revoked_jti (
  jti TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS revoked_jti_expires ON revoked_jti (expires_at);
`;

/**
 * The revocation list of a single-process server: SQLite (`<dataDir>/auth/revocations.db`,
 * WAL) is the record, and every unexpired entry is held in memory, so `isRevoked` never
 * touches the disk. Expired entries are deleted at open and then periodically.
 */
export class EmbeddedRevocationList implements RevocationList, Snapshottable {
  readonly #db: Database.Database;
  readonly #denylist = new Denylist();
  readonly #now: () => number;
  readonly #retainMs: number;
  readonly #timer: NodeJS.Timeout;
  readonly #upsert: Database.Statement<[string, number]>;
  readonly #deleteExpired: Database.Statement<[number]>;
  #closed = false;

  private constructor(db: Database.Database, options: EmbeddedRevocationOptions) {
    this.#db = db;
    this.#now = options.now ?? Date.now;
    this.#retainMs = options.retainMs ?? defaultRetentionMs;
    this.#upsert = db.prepare(
      "INSERT INTO revoked_jti (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)",
    );
    this.#deleteExpired = db.prepare("DELETE FROM revoked_jti WHERE expires_at < ?");
    this.prune();
    const rows = db.prepare("SELECT jti, expires_at FROM revoked_jti").all() as {
      jti: string;
      expires_at: number;
    }[];
    for (const row of rows) this.#denylist.add(row.jti, row.expires_at);
    this.#timer = setInterval(() => this.prune(), options.pruneIntervalMs ?? 60_000);
    this.#timer.unref();
  }

  /** Opens (creating if needed) the revocation database under `<dataDir>/auth`. */
  static async open(
    dataDir: string,
    options: EmbeddedRevocationOptions = {},
  ): Promise<EmbeddedRevocationList> {
    const dir = join(dataDir, "auth");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (process.platform !== "win32") chmodSync(dir, 0o700);
    const db = new Database(join(dir, revocationsDatabaseFile));
    try {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.pragma("busy_timeout = 5000");
      db.exec(ddl);
      return new EmbeddedRevocationList(db, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Always true: the list is read from its own file when it opens. */
  get loaded(): boolean {
    return true;
  }

  /** True when `jti` has been revoked; answered from memory. */
  isRevoked(jti: string): boolean {
    return this.#denylist.has(jti);
  }

  /** Records the revocation durably, then in memory. */
  async revoke(jti: string, expiresAt: number, signal?: AbortSignal): Promise<void> {
    checkRevocation(jti, expiresAt);
    throwIfAborted(signal);
    this.#upsert.run(jti, Math.ceil(expiresAt));
    this.#denylist.add(jti, expiresAt);
  }

  /**
   * Deletes entries whose `expiresAt` is more than the retention behind the clock, from
   * disk and memory; returns how many left memory. Runs at open and on a timer.
   */
  prune(): number {
    if (this.#closed) return 0;
    const cutoff = this.#now() - this.#retainMs;
    this.#deleteExpired.run(cutoff);
    return this.#denylist.prune(cutoff);
  }

  /** Copies the database to `targetDir/revocations.db` while the list keeps serving. */
  async snapshot(targetDir: string, signal?: AbortSignal): Promise<void> {
    if (this.#closed) throw new EngineUnavailableError("token denylist (closed)");
    await backupDatabase(this.#db, join(targetDir, revocationsDatabaseFile), signal);
  }

  /** Stops the prune timer and closes the database. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#db.close();
  }
}
