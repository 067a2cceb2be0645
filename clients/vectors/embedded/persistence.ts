import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Index } from "usearch";
import { createIndex, indexFormat, LoadedCollection } from "./collection.js";
import type { CollectionRow, VectorDb } from "./db.js";

/**
 * Where a collection's saved HNSW index lives: one file per collection uid, named after
 * the index's scalar format, so an index saved in another format is never loaded into
 * this one (it is rebuilt instead).
 */
export function indexPath(indexDir: string, uid: number): string {
  return join(indexDir, `${uid}.${indexFormat}.usearch`);
}

/** Index files of formats this version no longer uses: `<uid>.usearch` held float32. */
function formerIndexPaths(indexDir: string, uid: number): string[] {
  return [join(indexDir, `${uid}.usearch`)];
}

/**
 * Loads a collection into memory from SQLite, the source of truth. The saved index file
 * is used only when it was written at the collection's current version, still has the
 * checksum recorded when it was saved, and holds exactly the collection's keys; otherwise
 * (a crash, a failed save, a damaged or foreign file) the index is rebuilt. The checksum
 * matters: usearch trusts the sizes in a file's header and crashes the process on garbage.
 */
export function loadCollection(
  db: VectorDb,
  row: CollectionRow,
  indexDir: string,
): LoadedCollection {
  const collection = new LoadedCollection(row);
  for (const point of db.points(row.uid)) {
    collection.appendStored(
      point.key,
      point.id,
      point.vector,
      point.payload,
      point.subject ?? undefined,
    );
  }
  const index =
    row.savedVersion === row.version ? tryLoadIndex(collection, row, indexDir) : undefined;
  if (index !== undefined) {
    collection.useIndex(index);
  } else {
    collection.rebuildIndex();
    collection.savedVersion = null;
  }
  return collection;
}

function tryLoadIndex(
  collection: LoadedCollection,
  row: CollectionRow,
  indexDir: string,
): Index | undefined {
  const path = indexPath(indexDir, row.uid);
  try {
    if (!existsSync(path) || row.savedChecksum !== fileChecksum(path)) return undefined;
    const index = createIndex(collection.dimension, collection.distance, collection.indexSettings);
    index.load(path);
    return collection.indexMatches(index) ? index : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Saves a collection's index when it changed since the last save: written to a temporary
 * file, checksummed, renamed into place, then recorded as current in SQLite.
 */
export function saveCollection(db: VectorDb, collection: LoadedCollection, indexDir: string): void {
  if (collection.savedVersion === collection.version) return;
  const path = indexPath(indexDir, collection.uid);
  const temporary = `${path}.tmp`;
  collection.index.save(temporary);
  const checksum = fileChecksum(temporary);
  renameSync(temporary, path);
  db.markSaved(collection.uid, collection.version, checksum);
  collection.savedVersion = collection.version;
  for (const former of formerIndexPaths(indexDir, collection.uid)) rmSync(former, { force: true });
}

/** Deletes a collection's saved index, if any. */
export function removeSavedIndex(indexDir: string, uid: number): void {
  rmSync(indexPath(indexDir, uid), { force: true });
  rmSync(`${indexPath(indexDir, uid)}.tmp`, { force: true });
  for (const former of formerIndexPaths(indexDir, uid)) rmSync(former, { force: true });
}

function fileChecksum(path: string): string {
  const hash = createHash("sha256");
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, "r");
  try {
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}
