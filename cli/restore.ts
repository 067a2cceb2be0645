import { timestampDate } from "@bufbuild/protobuf/wkt";
import { restoreBackup } from "../server/backup/restore.js";
import { parseCommand, required } from "./args.js";
import type { CommandContext } from "./context.js";
import { mebibytes } from "./output.js";

/** Usage of the `restore` command. */
export const restoreUsage = "ragplane restore --from <file> [--data-dir <dir>]";

/**
 * Runs `restore`: puts a backup archive into `--data-dir` (default DATA_DIR), which must
 * be empty or missing and have no server running on it, after checking every file
 * against the archive's manifest. A server started on the directory then serves the
 * backed-up state. Needs no server.
 */
export async function runRestore(args: readonly string[], context: CommandContext): Promise<void> {
  const { values } = parseCommand(args, {
    from: { type: "string" },
    "data-dir": { type: "string" },
  });
  const archive = required(values.from, "from");
  const dataDir = values["data-dir"] ?? context.dataDir;
  const { manifest, bytes } = await restoreBackup(archive, dataDir);
  const taken =
    manifest.createTime === undefined
      ? ""
      : ` taken ${timestampDate(manifest.createTime).toISOString()}`;
  context.output.out(
    `restored ${manifest.files.length} files (${mebibytes(bytes)})${taken} into ${dataDir}; start the server with DATA_DIR=${dataDir}`,
  );
}
