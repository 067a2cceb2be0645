import { fromJsonString, toJsonString } from "@bufbuild/protobuf";
import { type BackupManifest, BackupManifestSchema } from "../../gen/ragplane/v1/admin_pb.js";
import { lockFileName } from "../data-dir-lock.js";
import { maxTarNameBytes } from "./tar.js";

/** The archive format this build writes and reads. */
export const backupFormatVersion = 1;
/** The archive's first entry: the manifest, as protobuf JSON. */
export const manifestEntryName = "manifest.json";

const pathPattern = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;
const sha256Pattern = /^[0-9a-f]{64}$/;

/** A manifest read from an archive, or why it cannot be used. */
export type ParsedManifest =
  | { readonly kind: "valid"; readonly manifest: BackupManifest }
  | { readonly kind: "invalid"; readonly reason: string };

/** The manifest as the archive's `manifest.json`. */
export function encodeManifest(manifest: BackupManifest): Buffer {
  return Buffer.from(`${toJsonString(BackupManifestSchema, manifest, { prettySpaces: 2 })}\n`);
}

/**
 * Reads `manifest.json`: a known format version, and files with safe relative paths
 * (no `..`, no absolute path, each named once, never the lock file), sizes a number can
 * hold and SHA-256 checksums.
 */
export function parseManifest(text: string): ParsedManifest {
  let manifest: BackupManifest;
  try {
    manifest = fromJsonString(BackupManifestSchema, text);
  } catch (error) {
    return {
      kind: "invalid",
      reason: `manifest.json is not a backup manifest (${message(error)})`,
    };
  }
  if (manifest.formatVersion !== backupFormatVersion) {
    return {
      kind: "invalid",
      reason: `the archive has format version ${manifest.formatVersion}; this ragplane reads version ${backupFormatVersion}`,
    };
  }
  const seen = new Set<string>();
  for (const file of manifest.files) {
    const problem = fileProblem(file.path, file.size, file.sha256, seen);
    if (problem !== undefined) return { kind: "invalid", reason: `manifest.json: ${problem}` };
    seen.add(file.path);
  }
  return { kind: "valid", manifest };
}

/** Whether `path` may name a file of a backup: relative, `/`-separated, plain names. */
export function isBackupPath(path: string): boolean {
  return (
    pathPattern.test(path) &&
    Buffer.byteLength(path) <= maxTarNameBytes &&
    path !== manifestEntryName &&
    path !== lockFileName
  );
}

function fileProblem(
  path: string,
  size: bigint,
  sha256: string,
  seen: ReadonlySet<string>,
): string | undefined {
  if (!isBackupPath(path)) return `${JSON.stringify(path)} is not a file path a backup holds`;
  if (seen.has(path)) return `${path} is listed twice`;
  if (size < 0n || size > BigInt(Number.MAX_SAFE_INTEGER)) return `${path} has size ${size}`;
  if (!sha256Pattern.test(sha256)) return `${path} has no SHA-256 checksum`;
  return undefined;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
