import { createReadStream } from "node:fs";
import { join } from "node:path";
import { throwIfAborted } from "../../clients/errors.js";
import type { BackupManifest } from "../../gen/ragplane/v1/admin_pb.js";
import { encodeManifest, manifestEntryName } from "./manifest.js";
import { tarEntryBytes, tarHeader, tarPadding, tarTrailer } from "./tar.js";

/** Largest piece of archive in one message: well under the 4 MiB message limit. */
export const archiveChunkBytes = 1 << 20;

/** A backup archive about to be streamed. */
export interface Archive {
  /** Its size in bytes. */
  readonly totalBytes: number;
  /** Its bytes, in pieces of at most `chunkBytes`; stops when `signal` aborts. */
  chunks(signal?: AbortSignal): AsyncGenerator<Buffer, void, undefined>;
}

/**
 * The archive of a staged backup: a tar of `manifest.json`, then each file of the
 * manifest, read from `dir`, in the manifest's order. Throws when a file no longer has
 * the size the manifest gives it.
 */
export function backupArchive(
  dir: string,
  manifest: BackupManifest,
  chunkBytes = archiveChunkBytes,
): Archive {
  const manifestBytes = encodeManifest(manifest);
  const mtimeMs = Number(manifest.createTime?.seconds ?? 0n) * 1000;
  const totalBytes =
    tarEntryBytes(manifestBytes.length) +
    manifest.files.reduce((sum, file) => sum + tarEntryBytes(Number(file.size)), 0) +
    tarTrailer.length;
  return {
    totalBytes,
    async *chunks(signal) {
      const out = new Chunker(chunkBytes);
      yield* out.push(tarHeader({ name: manifestEntryName, size: manifestBytes.length, mtimeMs }));
      yield* out.push(manifestBytes);
      yield* out.push(tarPadding(manifestBytes.length));
      for (const file of manifest.files) {
        throwIfAborted(signal);
        const size = Number(file.size);
        yield* out.push(tarHeader({ name: file.path, size, mtimeMs }));
        let read = 0;
        const path = join(dir, ...file.path.split("/"));
        for await (const piece of createReadStream(path, { highWaterMark: chunkBytes })) {
          read += (piece as Buffer).length;
          if (read > size) break;
          yield* out.push(piece as Buffer);
        }
        if (read !== size) throw new Error(`${file.path} changed size while it was archived`);
        yield* out.push(tarPadding(size));
      }
      yield* out.push(tarTrailer);
      yield* out.flush();
    },
  };
}

/** Gathers bytes into pieces of exactly `size` bytes (the last one shorter). */
class Chunker {
  readonly #size: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(size: number) {
    this.#size = size;
  }

  *push(bytes: Buffer): Generator<Buffer, void, undefined> {
    let rest = bytes;
    while (rest.length > 0) {
      const take = Math.min(rest.length, this.#size - this.#pendingBytes);
      this.#pending.push(rest.subarray(0, take));
      this.#pendingBytes += take;
      rest = rest.subarray(take);
      if (this.#pendingBytes === this.#size) yield* this.flush();
    }
  }

  *flush(): Generator<Buffer, void, undefined> {
    if (this.#pendingBytes === 0) return;
    const piece = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    yield piece;
  }
}
