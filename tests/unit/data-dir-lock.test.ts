import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataDirInUseError, lockDataDir, lockFileName } from "../../server/data-dir-lock.js";

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "ragplane-lock-"));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const lockFile = () => join(dataDir, lockFileName);

describe("the DATA_DIR lock", () => {
  it("records this process's pid, and removes it on release", () => {
    const lock = lockDataDir(dataDir);
    expect(readFileSync(lockFile(), "utf8").trim()).toBe(String(process.pid));
    lock.release();
    expect(existsSync(lockFile())).toBe(false);
  });

  it("refuses a directory a live process holds, naming its pid", () => {
    writeFileSync(lockFile(), `${process.ppid}\n`);
    expect(() => lockDataDir(dataDir)).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dataDir)).toThrow(`(pid ${process.ppid})`);
  });

  it("takes over a lock left by a process that is gone", () => {
    const gone = spawnSync(process.execPath, ["-e", "process.pid"]).pid;
    writeFileSync(lockFile(), `${gone}\n`);
    lockDataDir(dataDir).release();
    writeFileSync(lockFile(), "not a pid\n");
    lockDataDir(dataDir).release();
  });
});
