import { existsSync } from "node:fs";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { BackupManifest } from "../gen/ragplane/v1/admin_pb.js";
import { readBackupArchive } from "../server/backup/read.js";
import { parseCommand, required } from "./args.js";
import type { CommandContext } from "./context.js";
import { mebibytes } from "./output.js";

/** Usage of the `backup` command. */
export const backupUsage = "ragplane backup --out <file> [--force]";

/** Archives of at least this many bytes get progress lines, every tenth of the way. */
const progressFromBytes = 16 << 20;

/**
 * Runs `backup`: asks the server at RAGPLANE_URL for a backup of its DATA_DIR
 * (AdminService/Backup), writes the archive to `<file>.partial` (mode 0600: it holds
 * the server's signing key and every tenant's data), checks every file against the
 * manifest, and only then renames it to `<file>`. Refuses to replace a file without
 * `--force`. Progress goes to stderr, the summary to stdout.
 */
export async function runBackup(args: readonly string[], context: CommandContext): Promise<void> {
  const { values } = parseCommand(args, { out: { type: "string" }, force: { type: "boolean" } });
  const out = required(values.out, "out");
  if (existsSync(out) && !values.force) {
    throw new Error(`${out} exists: choose another file, or pass --force to replace it`);
  }
  const partial = `${out}.partial`;
  const handle = await open(partial, "w", 0o600);
  let manifest: BackupManifest | undefined;
  try {
    manifest = await receive(handle, context);
    await handle.sync();
    await handle.close();
    await readBackupArchive(partial);
    await rename(partial, out);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
  const bytes = manifest.files.reduce((sum, file) => sum + Number(file.size), 0);
  const taken =
    manifest.createTime === undefined
      ? ""
      : `, taken ${timestampDate(manifest.createTime).toISOString()}`;
  context.output.out(
    `${out}: ${manifest.files.length} files, ${mebibytes(bytes)}${taken}; checksums verified`,
  );
}

/** Writes the streamed archive to `handle`; resolves with its manifest. */
async function receive(handle: FileHandle, context: CommandContext): Promise<BackupManifest> {
  let manifest: BackupManifest | undefined;
  let received = 0;
  let total = 0;
  let reported = 0;
  for await (const message of context.admin().backup({})) {
    if (message.stage !== "") context.output.err(`copying ${message.stage}`);
    if (message.manifest !== undefined) manifest = message.manifest;
    total = Number(message.bytesTotal);
    for (let done = 0; done < message.data.length; ) {
      const { bytesWritten } = await handle.write(message.data, done);
      done += bytesWritten;
    }
    received += message.data.length;
    const tenth = total === 0 ? 0 : Math.floor((received * 10) / total);
    if (total >= progressFromBytes && tenth > reported) {
      reported = tenth;
      context.output.err(`received ${mebibytes(received)} of ${mebibytes(total)}`);
    }
  }
  if (manifest === undefined || received !== total) {
    throw new Error(
      `the backup ended early (${received} of ${total} bytes received); nothing was written`,
    );
  }
  return manifest;
}
