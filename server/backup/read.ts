import { createHash } from "node:crypto";
import { type FileHandle, open } from "node:fs/promises";
import type { BackupFile, BackupManifest } from "../../gen/ragplane/v1/admin_pb.js";
import { manifestEntryName, parseManifest } from "./manifest.js";
import { parseTarHeader, tarBlockSize, tarPaddedSize } from "./tar.js";

/** The largest `manifest.json` read: far more than a manifest of thousands of files. */
const maxManifestBytes = 16 << 20;
const readBytes = 1 << 20;

/** An archive that cannot be restored: damaged, cut short, not a backup, or of an unknown format. */
export class BackupArchiveError extends Error {
  override readonly name = "BackupArchiveError";
  constructor(
    readonly archive: string,
    readonly reason: string,
  ) {
    super(`${archive} cannot be restored: ${reason}`);
  }
}

/** Receives the bytes of one file of the archive, in order. */
export interface FileSink {
  write(bytes: Buffer): Promise<void>;
  /** Every byte was given and matched the manifest. */
  end(): Promise<void>;
  /** The file is not to be kept: the archive failed a check. */
  discard(): Promise<void>;
}

/**
 * Reads a backup archive from start to end: its manifest, then every file the manifest
 * lists, in its order, each with the size and SHA-256 the manifest gives it, then the
 * end of the archive. Each file's bytes go to the sink `sinkFor` returns (none: only
 * checked). Throws `BackupArchiveError` at the first thing that does not match, after
 * discarding the sink of the file being read.
 */
export async function readBackupArchive(
  archive: string,
  sinkFor: (file: BackupFile) => Promise<FileSink | undefined> = async () => undefined,
): Promise<BackupManifest> {
  let handle: FileHandle;
  try {
    handle = await open(archive, "r");
  } catch (error) {
    throw new BackupArchiveError(archive, describe(error));
  }
  try {
    const reader = new ArchiveReader(archive, handle, (await handle.stat()).size);
    const manifest = await reader.manifest();
    for (const file of manifest.files) await reader.file(file, await sinkFor(file));
    await reader.end();
    return manifest;
  } finally {
    await handle.close();
  }
}

/** Reads an archive front to back. */
class ArchiveReader {
  #offset = 0;

  constructor(
    readonly archive: string,
    readonly handle: FileHandle,
    readonly size: number,
  ) {}

  async manifest(): Promise<BackupManifest> {
    const header = await this.#header();
    if (header.kind !== "file" || header.name !== manifestEntryName) {
      throw this.#error(`it does not begin with ${manifestEntryName}: it is not a ragplane backup`);
    }
    if (header.size > maxManifestBytes) throw this.#error(`${manifestEntryName} is too large`);
    const bytes = await this.#read(header.size);
    this.#offset += tarPaddedSize(header.size) - header.size;
    const parsed = parseManifest(bytes.toString("utf8"));
    if (parsed.kind === "invalid") throw this.#error(parsed.reason);
    return parsed.manifest;
  }

  async file(file: BackupFile, sink: FileSink | undefined): Promise<void> {
    try {
      await this.#copy(file, sink);
    } catch (error) {
      await sink?.discard().catch(() => undefined);
      throw error;
    }
    await sink?.end();
  }

  async #copy(file: BackupFile, sink: FileSink | undefined): Promise<void> {
    const header = await this.#header();
    const size = Number(file.size);
    if (header.kind !== "file" || header.name !== file.path) {
      throw this.#error(`${file.path} is missing where the manifest puts it`);
    }
    if (header.size !== size) {
      throw this.#error(`${file.path} holds ${header.size} bytes; the manifest says ${size}`);
    }
    const hash = createHash("sha256");
    for (let done = 0; done < size; ) {
      const bytes = await this.#read(Math.min(readBytes, size - done));
      hash.update(bytes);
      await sink?.write(bytes);
      done += bytes.length;
    }
    if (hash.digest("hex") !== file.sha256) {
      throw this.#error(`${file.path} does not match its checksum: the archive is damaged`);
    }
    this.#offset += tarPaddedSize(size) - size;
  }

  async end(): Promise<void> {
    const header = await this.#header();
    if (header.kind !== "end") {
      throw this.#error("it holds more than its manifest lists, or its end is damaged");
    }
  }

  async #header() {
    if (this.#offset + tarBlockSize > this.size) throw this.#error("it is cut short");
    const header = parseTarHeader(await this.#read(tarBlockSize));
    if (header.kind === "invalid")
      throw this.#error(`an entry's header is damaged (${header.reason})`);
    return header;
  }

  async #read(length: number): Promise<Buffer> {
    if (this.#offset + length > this.size) throw this.#error("it is cut short");
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(buffer, filled, length - filled, this.#offset);
      if (bytesRead === 0) throw this.#error("it is cut short");
      filled += bytesRead;
      this.#offset += bytesRead;
    }
    return buffer;
  }

  #error(reason: string): BackupArchiveError {
    return new BackupArchiveError(this.archive, reason);
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  return error instanceof Error ? error.message : String(error);
}
