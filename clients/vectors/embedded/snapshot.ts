import { copyFile, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { throwIfAborted } from "../../errors.js";
import { sha256OfFile } from "../../snapshot.js";
import type { VectorDb } from "./db.js";
import { indexPath } from "./persistence.js";

/** File name of the store's database inside its directory. */
export const vectorsDatabaseFile = "vectors.sqlite";
/** Directory of the saved indexes inside the store's directory. */
export const indexDirectoryName = "vector-indexes";

interface SavedIndexRow {
  uid: number;
  version: number;
  saved_version: number;
  saved_checksum: string | null;
}

/**
 * Copies the store into `targetDir`: `vectors.sqlite` by SQLite's online backup, then
 * the saved index of every collection whose copied row says that index is current (saved
 * at the copied version, with the recorded checksum, which the copied file must match).
 * Every other collection's saved-index record is cleared in the copy, so a store opened
 * on the copy rebuilds that index from the copied points. A collection written while the
 * copy ran is one of those; the caller saves the loaded indexes just before, so that the
 * others are reused as they are.
 */
export async function copyVectorStore(
  db: VectorDb,
  indexDir: string,
  targetDir: string,
  signal?: AbortSignal,
): Promise<void> {
  const databasePath = join(targetDir, vectorsDatabaseFile);
  await db.backup(databasePath, signal);
  const targetIndexDir = join(targetDir, indexDirectoryName);
  await mkdir(targetIndexDir, { recursive: true });
  const copy = new Database(databasePath);
  try {
    const rows = copy
      .prepare<[], SavedIndexRow>(
        "SELECT uid, version, saved_version, saved_checksum FROM collections WHERE saved_version IS NOT NULL",
      )
      .all();
    const forget = copy.prepare<[number]>(
      "UPDATE collections SET saved_version = NULL, saved_checksum = NULL WHERE uid = ?",
    );
    for (const row of rows) {
      throwIfAborted(signal);
      const current =
        row.saved_version === row.version &&
        row.saved_checksum !== null &&
        (await copyIndex(
          indexPath(indexDir, row.uid),
          indexPath(targetIndexDir, row.uid),
          row.saved_checksum,
        ));
      if (!current) forget.run(row.uid);
    }
  } finally {
    copy.close();
  }
}

/** Copies a saved index; false, leaving no copy, when it is gone or not the one recorded. */
async function copyIndex(from: string, to: string, checksum: string): Promise<boolean> {
  try {
    await copyFile(from, to);
  } catch {
    return false;
  }
  if ((await sha256OfFile(to)) === checksum) return true;
  await rm(to, { force: true });
  return false;
}
