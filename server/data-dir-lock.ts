import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

/** The lock file in `DATA_DIR`, holding the pid of the process that owns the directory. */
export const lockFileName = "ragplane.pid";

/** Another live process owns the data directory. */
export class DataDirInUseError extends Error {
  override readonly name = "DataDirInUseError";
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `DATA_DIR ${dataDir} is in use by another ragplane process (pid ${pid}); stop it, or choose another DATA_DIR`,
    );
  }
}

/** An owned data directory; `release` gives it up. */
export interface DataDirLock {
  release(): void;
}

/**
 * Takes `dataDir` for this process: creates `ragplane.pid` exclusively, holding this
 * process's pid. When the file exists and names a live process, throws
 * `DataDirInUseError`; a file left by a process that is gone (a crash) is taken over.
 * Two servers on one directory would share SQLite files and key material and fail each
 * other's writes; this makes the second one refuse to start instead.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, lockFileName);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return { release: () => releaseIfOwned(path) };
    } catch (error) {
      if ((error as { code?: unknown }).code !== "EEXIST") throw error;
      const owner = ownerOf(path);
      if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
        throw new DataDirInUseError(dataDir, owner);
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not take ${path}: another process keeps recreating it`);
}

function ownerOf(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === "EPERM";
  }
}

function releaseIfOwned(path: string): void {
  if (ownerOf(path) === process.pid) rmSync(path, { force: true });
}
