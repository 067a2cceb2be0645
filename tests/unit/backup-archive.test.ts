import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BackupManifest, BackupManifestSchema } from "../../gen/ragplane/v1/admin_pb.js";
import { backupArchive } from "../../server/backup/archive.js";
import { encodeManifest, parseManifest } from "../../server/backup/manifest.js";
import { BackupArchiveError, readBackupArchive } from "../../server/backup/read.js";
import {
  DataDirNotDirectoryError,
  DataDirNotEmptyError,
  restoreBackup,
} from "../../server/backup/restore.js";
import { parseTarHeader, tarBlockSize, tarHeader } from "../../server/backup/tar.js";
import { DataDirInUseError } from "../../server/data-dir-lock.js";

const files: Record<string, Buffer> = {
  "events/events.sqlite": Buffer.alloc(3000, 1),
  "vectors/vectors.sqlite": Buffer.from("vectors"),
  "vectors/vector-indexes/1.usearch": Buffer.alloc(0),
  "auth/local-signing-key.json": Buffer.from('{"kty":"OKP"}'),
};

let work: string;

/** Lays `contents` out under a directory, as a staged backup, and returns its manifest. */
async function stage(dir: string, contents: Record<string, Buffer>): Promise<BackupManifest> {
  const paths = Object.keys(contents).sort();
  for (const path of paths) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), contents[path] as Buffer);
  }
  return create(BackupManifestSchema, {
    formatVersion: 1,
    createTime: timestampFromMs(Date.parse("2025-01-02T03:04:05Z")),
    files: paths.map((path) => ({
      path,
      size: BigInt((contents[path] as Buffer).length),
      sha256: createHash("sha256")
        .update(contents[path] as Buffer)
        .digest("hex"),
    })),
  });
}

/** Writes the archive of a staged backup to a file, in pieces of `chunkBytes`. */
async function writeArchive(manifest: BackupManifest, dir: string, chunkBytes = 1000) {
  const archive = backupArchive(dir, manifest, chunkBytes);
  const pieces: Buffer[] = [];
  for await (const piece of archive.chunks()) {
    expect(piece.length).toBeLessThanOrEqual(chunkBytes);
    pieces.push(piece);
  }
  const bytes = Buffer.concat(pieces);
  expect(bytes.length).toBe(archive.totalBytes);
  const path = join(work, "backup.tar");
  await writeFile(path, bytes);
  return { path, bytes };
}

function flip(bytes: Buffer, index: number): void {
  bytes.writeUInt8(bytes.readUInt8(index) ^ 0xff, index);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error as Error,
  );
}

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "ragplane-archive-"));
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("tar headers", () => {
  it("reads back the name and size written, in octal and past 8 GiB in base-256", () => {
    for (const size of [0, 1, 511, 512, 0o77777777777, 0o77777777777 + 1, 2 ** 40 + 3]) {
      const header = parseTarHeader(tarHeader({ name: "a/b.sqlite", size, mtimeMs: 0 }));
      expect(header).toEqual({ kind: "file", name: "a/b.sqlite", size });
    }
  });

  it("tells a zero block (the end) from a damaged header", () => {
    expect(parseTarHeader(Buffer.alloc(tarBlockSize))).toEqual({ kind: "end" });
    const damaged = tarHeader({ name: "x", size: 5, mtimeMs: 0 });
    damaged[0] = "y".charCodeAt(0);
    expect(parseTarHeader(damaged)).toEqual({
      kind: "invalid",
      reason: "header checksum mismatch",
    });
  });
});

describe("backup archives", () => {
  it("are tar files that tar lists: manifest.json first, then the manifest's files", async () => {
    const manifest = await stage(join(work, "staged"), files);
    const { path } = await writeArchive(manifest, join(work, "staged"));
    const { stdout } = await promisify(execFile)("tar", ["-tf", path]);
    expect(stdout.trim().split("\n")).toEqual(["manifest.json", ...Object.keys(files).sort()]);
  });

  it("read back with the manifest they were written with", async () => {
    const manifest = await stage(join(work, "staged"), files);
    const { path } = await writeArchive(manifest, join(work, "staged"));
    expect(await readBackupArchive(path)).toEqual(manifest);
  });

  it("are refused when a byte changed, when cut short, or with more than the manifest lists", async () => {
    const manifest = await stage(join(work, "staged"), files);
    const { path, bytes } = await writeArchive(manifest, join(work, "staged"));
    const damaged = Buffer.from(bytes);
    flip(damaged, tarBlockSize * 4 + 10);
    await writeFile(path, damaged);
    expect((await rejection(readBackupArchive(path))).message).toContain(
      "does not match its checksum",
    );
    await writeFile(path, bytes.subarray(0, bytes.length - 1500));
    expect((await rejection(readBackupArchive(path))).message).toContain("cut short");
    const extra = Buffer.concat([
      bytes.subarray(0, bytes.length - 1024),
      tarHeader({ name: "extra", size: 0, mtimeMs: 0 }),
      Buffer.alloc(1024),
    ]);
    await writeFile(path, extra);
    expect((await rejection(readBackupArchive(path))).message).toContain(
      "holds more than its manifest lists",
    );
  });

  it("are refused when they are not backups at all", async () => {
    const path = join(work, "notes.tar");
    await writeFile(path, Buffer.concat([tarHeader({ name: "notes", size: 0, mtimeMs: 0 })]));
    const error = await rejection(readBackupArchive(path));
    expect(error).toBeInstanceOf(BackupArchiveError);
    expect(error.message).toBe(
      `${path} cannot be restored: it does not begin with manifest.json: it is not a ragplane backup`,
    );
    expect((await rejection(readBackupArchive(join(work, "missing.tar")))).message).toContain(
      "no such file",
    );
  });
});

describe("manifests", () => {
  const valid = () =>
    create(BackupManifestSchema, {
      formatVersion: 1,
      files: [{ path: "events/events.sqlite", size: 1n, sha256: "a".repeat(64) }],
    });

  it("of another format version are refused, naming both versions", () => {
    const manifest = valid();
    manifest.formatVersion = 2;
    expect(parseManifest(encodeManifest(manifest).toString())).toEqual({
      kind: "invalid",
      reason: "the archive has format version 2; this ragplane reads version 1",
    });
  });

  it("naming a path outside DATA_DIR, the lock file or a file twice are refused", () => {
    for (const path of ["../etc/passwd", "/etc/passwd", "a/../../b", "ragplane.pid", ".hidden"]) {
      const manifest = valid();
      (manifest.files[0] as { path: string }).path = path;
      const parsed = parseManifest(encodeManifest(manifest).toString());
      expect(parsed.kind, path).toBe("invalid");
    }
    const twice = valid();
    twice.files.push({ ...(twice.files[0] as BackupManifest["files"][number]) });
    expect(parseManifest(encodeManifest(twice).toString())).toEqual({
      kind: "invalid",
      reason: "manifest.json: events/events.sqlite is listed twice",
    });
  });
});

describe("restore", () => {
  let archive: string;

  beforeEach(async () => {
    const manifest = await stage(join(work, "staged"), files);
    archive = (await writeArchive(manifest, join(work, "staged"))).path;
  });

  it("writes every file into a new DATA_DIR, private to its owner", async () => {
    const dataDir = join(work, "data");
    const result = await restoreBackup(archive, dataDir);
    expect(result.bytes).toBe(Object.values(files).reduce((sum, file) => sum + file.length, 0));
    for (const [path, contents] of Object.entries(files)) {
      expect(await readFile(join(dataDir, path))).toEqual(contents);
      expect((await stat(join(dataDir, path))).mode & 0o777).toBe(0o600);
    }
    expect((await stat(join(dataDir, "auth"))).mode & 0o777).toBe(0o700);
    expect((await readdir(dataDir)).sort()).toEqual(["auth", "events", "vectors"]);
  });

  it("refuses a DATA_DIR that holds anything, and one that is a file", async () => {
    const dataDir = join(work, "data");
    await mkdir(dataDir);
    await writeFile(join(dataDir, "events.sqlite"), "old");
    const error = await rejection(restoreBackup(archive, dataDir));
    expect(error).toBeInstanceOf(DataDirNotEmptyError);
    expect(await readdir(dataDir)).toEqual(["events.sqlite"]);
    expect(await rejection(restoreBackup(archive, join(dataDir, "events.sqlite")))).toBeInstanceOf(
      DataDirNotDirectoryError,
    );
  });

  it("refuses while another live process holds DATA_DIR's lock", async () => {
    const dataDir = join(work, "data");
    await mkdir(dataDir);
    await writeFile(join(dataDir, "ragplane.pid"), `${process.ppid}\n`);
    const error = await rejection(restoreBackup(archive, dataDir));
    expect(error).toBeInstanceOf(DataDirInUseError);
    expect(await readdir(dataDir)).toEqual(["ragplane.pid"]);
  });

  it("takes over a lock left by a process that is gone", async () => {
    const dataDir = join(work, "data");
    await mkdir(dataDir);
    await writeFile(join(dataDir, "ragplane.pid"), "999999999\n");
    await restoreBackup(archive, dataDir);
    expect((await readdir(dataDir)).sort()).toEqual(["auth", "events", "vectors"]);
  });

  it("leaves DATA_DIR empty when the archive is damaged", async () => {
    const bytes = await readFile(archive);
    flip(bytes, bytes.length - 1024 - 512 + 3);
    await writeFile(archive, bytes);
    const dataDir = join(work, "data");
    const error = await rejection(restoreBackup(archive, dataDir));
    expect(error).toBeInstanceOf(BackupArchiveError);
    expect(await readdir(dataDir)).toEqual([]);
  });
});
