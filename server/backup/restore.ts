import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { BackupManifest } from "../../gen/ragplane/v1/admin_pb.js";
import { lockDataDir, lockFileName } from "../data-dir-lock.js";
import { type FileSink, readBackupArchive } from "./read.js";

/** DATA_DIR holds files already: a restore never mixes a backup with other state. */
export class DataDirNotEmptyError extends Error {
  override readonly name = "DataDirNotEmptyError";
  constructor(
    readonly dataDir: string,
    readonly entries: readonly string[],
  ) {
    const shown = entries.slice(0, 5).join(", ") + (entries.length > 5 ? ", …" : "");
    super(
      `DATA_DIR ${dataDir} is not empty (it holds ${shown}): restore only into an empty or new directory`,
    );
  }
}

/** DATA_DIR names something that is not a directory. */
export class DataDirNotDirectoryError extends Error {
  override readonly name = "DataDirNotDirectoryError";
  constructor(readonly dataDir: string) {
    super(`DATA_DIR ${dataDir} is not a directory`);
  }
}

/** What a restore wrote. */
export interface RestoreResult {
  readonly manifest: BackupManifest;
  /** Bytes of the files written. */
  readonly bytes: number;
}

/**
 * Restores a backup archive into `dataDir`, which must be empty or missing, for a server
 * to start on. Holds DATA_DIR's lock meanwhile, so it refuses (`DataDirInUseError`) while
 * a server runs there and no server starts halfway through. Every file is written
 * (directories 0700, files 0600) into a scratch directory inside `dataDir` and checked
 * against the manifest's size and checksum; only when all match are they moved into
 * place. Anything wrong (`BackupArchiveError`) leaves `dataDir` as empty as it was.
 */
export async function restoreBackup(archive: string, dataDir: string): Promise<RestoreResult> {
  await prepareDataDir(dataDir);
  const lock = lockDataDir(dataDir);
  try {
    const entries = (await readdir(dataDir)).filter((entry) => entry !== lockFileName).sort();
    if (entries.length > 0) throw new DataDirNotEmptyError(dataDir, entries);
    const scratch = join(dataDir, `.restore-${randomBytes(6).toString("hex")}`);
    await mkdir(scratch, { mode: 0o700 });
    try {
      let bytes = 0;
      const manifest = await readBackupArchive(archive, async (file) => {
        bytes += Number(file.size);
        return createFileSink(join(scratch, ...file.path.split("/")));
      });
      for (const entry of await readdir(scratch)) {
        await rename(join(scratch, entry), join(dataDir, entry));
      }
      return { manifest, bytes };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  } finally {
    lock.release();
  }
}

async function prepareDataDir(dataDir: string): Promise<void> {
  try {
    if (!(await stat(dataDir)).isDirectory()) throw new DataDirNotDirectoryError(dataDir);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ENOENT") throw error;
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
  }
}

/** A new file (mode 0600, its directories 0700), flushed to disk when it ends. */
async function createFileSink(path: string): Promise<FileSink> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const handle = await open(path, "wx", 0o600);
  return {
    async write(bytes) {
      for (let done = 0; done < bytes.length; ) {
        done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
      }
    },
    async end() {
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    discard: () => handle.close(),
  };
}
