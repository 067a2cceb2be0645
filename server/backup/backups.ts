import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { PreconditionError } from "../../clients/errors.js";
import { sha256OfFile } from "../../clients/snapshot.js";
import { type BackupManifest, BackupManifestSchema } from "../../gen/ragplane/v1/admin_pb.js";
import { backupFormatVersion } from "./manifest.js";
import type { BackupSource, ExternalEngine } from "./sources.js";

/** Where a backup is copied before it is streamed: a directory of DATA_DIR. */
export const stagingDirectoryName = "backup-staging";

/** What {@link Backups} needs. */
export interface BackupsOptions {
  /** DATA_DIR. */
  readonly dataDir: string;
  /** The embedded stores to copy, in order. */
  readonly sources: readonly BackupSource[];
  /** The real engines configured; a backup is refused while there is any. */
  readonly external: readonly ExternalEngine[];
  /** The clock, in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Backups of DATA_DIR taken by the server that owns it, one at a time: each store is
 * copied while it keeps serving into `DATA_DIR/backup-staging` (on DATA_DIR's own
 * filesystem), checksummed, streamed, then removed.
 */
export class Backups {
  readonly #options: BackupsOptions;
  #running = false;

  constructor(options: BackupsOptions) {
    this.#options = options;
  }

  /**
   * Starts a backup in an empty staging directory. Throws `PreconditionError` when a real
   * engine is configured (naming each one's own tool) or another backup is running.
   */
  async open(): Promise<BackupRun> {
    const { external, dataDir } = this.#options;
    if (external.length > 0) {
      const tools = external.map((engine) => `${engine.name}: ${engine.tool}`).join("; ");
      throw new PreconditionError(
        `a backup copies the embedded engines' DATA_DIR, and this server runs on real engines; back them up with their own tools (${tools}); see docs/operations.md`,
      );
    }
    if (this.#running) {
      throw new PreconditionError("another backup is running on this server; retry when it ends");
    }
    this.#running = true;
    const dir = join(dataDir, stagingDirectoryName);
    try {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { mode: 0o700 });
    } catch (error) {
      this.#running = false;
      throw error;
    }
    return new BackupRun(dir, this.#options, () => {
      this.#running = false;
    });
  }
}

/** One backup in progress: its copies, its manifest, and the removal of both. */
export class BackupRun {
  /** The staging directory, laid out as DATA_DIR. */
  readonly dir: string;
  /** The stores to copy, in order. */
  readonly sources: readonly BackupSource[];
  readonly #now: () => number;
  readonly #done: () => void;
  #closed = false;

  constructor(dir: string, options: BackupsOptions, done: () => void) {
    this.dir = dir;
    this.sources = options.sources;
    this.#now = options.now ?? Date.now;
    this.#done = done;
  }

  /** Copies one store into the staging directory. */
  async copy(source: BackupSource, signal?: AbortSignal): Promise<void> {
    await source.store.snapshot(join(this.dir, ...source.directory.split("/")), signal);
  }

  /** Lists and checksums what was copied: the manifest, files in path order. */
  async seal(): Promise<BackupManifest> {
    const paths = (await filesUnder(this.dir)).sort();
    const files = [];
    for (const path of paths) {
      const absolute = join(this.dir, ...path.split("/"));
      const { size } = await stat(absolute);
      files.push({ path, size: BigInt(size), sha256: await sha256OfFile(absolute) });
    }
    return create(BackupManifestSchema, {
      formatVersion: backupFormatVersion,
      createTime: timestampFromMs(this.#now()),
      files,
    });
  }

  /** Removes the copy and lets the next backup run. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await rm(this.dir, { recursive: true, force: true });
    } finally {
      this.#done();
    }
  }
}

/** Every regular file under `dir`, as `/`-separated paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) =>
      join(entry.parentPath, entry.name)
        .slice(dir.length + 1)
        .replaceAll("\\", "/"),
    );
}
