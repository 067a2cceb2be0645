import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { Database } from "better-sqlite3";
import { throwIfAborted } from "./errors.js";

/**
 * A store of the embedded engines that can copy its files while it keeps serving: the
 * copy is consistent (as of one moment during the call) and holds every write
 * acknowledged before the call began. Backups are made of these.
 */
export interface Snapshottable {
  /**
   * Writes the copy into `targetDir` (created if missing), laid out as the store lays
   * its files out in its own directory. Stops with the signal's reason when aborted.
   */
  snapshot(targetDir: string, signal?: AbortSignal): Promise<void>;
}

/** Pages copied per turn of the event loop: about 1 MiB at SQLite's default page size. */
const pagesPerStep = 256;

/**
 * Copies an open SQLite database to `path` with SQLite's online backup API, on the
 * connection that serves it: a few pages per turn of the event loop, so calls keep being
 * served, and writes made on that connection meanwhile are carried into the copy. The
 * copy is a single file (no `-wal`). Stops with the signal's reason when it aborts.
 */
export async function backupDatabase(
  db: Database,
  path: string,
  signal?: AbortSignal,
): Promise<void> {
  throwIfAborted(signal);
  await mkdir(dirname(path), { recursive: true });
  await db.backup(path, {
    progress: () => {
      throwIfAborted(signal);
      return pagesPerStep;
    },
  });
}

/** SHA-256 of a file's contents, lowercase hex, read in the background. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest("hex");
}
