import type { MessageInitShape } from "@bufbuild/protobuf";
import type { BackupResponseSchema } from "../../../gen/ragplane/v1/admin_pb.js";
import { PermissionDeniedError } from "../../../security/errors.js";
import { backupArchive } from "../../backup/archive.js";
import type { Backups } from "../../backup/backups.js";
import type { ServiceContext } from "../context.js";
import { callerOf } from "./tenancy.js";

type BackupMessage = MessageInitShape<typeof BackupResponseSchema>;

/**
 * AdminService/Backup: for platform admins only (the archive holds every tenant's data
 * and the server's keys). Reports each store as it is copied, then streams the archive,
 * the manifest on its first message. The copy is removed when the stream ends, however
 * it ends.
 */
export async function* streamBackup(
  backups: Backups,
  adminTenant: string,
  context: ServiceContext,
): AsyncGenerator<BackupMessage, void, undefined> {
  const caller = callerOf(context);
  if (caller.tenant !== adminTenant) {
    throw new PermissionDeniedError(
      `only admins of the platform tenant "${adminTenant}" may take a backup: it holds every tenant's data`,
      "admin",
    );
  }
  const run = await backups.open();
  try {
    for (const source of run.sources) {
      yield { stage: source.name };
      await run.copy(source, context.signal);
    }
    const manifest = await run.seal();
    const archive = backupArchive(run.dir, manifest);
    let sent = 0;
    for await (const data of archive.chunks(context.signal)) {
      sent += data.length;
      yield {
        ...(sent === data.length ? { manifest } : {}),
        data,
        bytesSent: BigInt(sent),
        bytesTotal: BigInt(archive.totalBytes),
      };
    }
  } finally {
    await run.close();
  }
}
