import { auditUsage, runAudit } from "./audit.js";
import { backupUsage, runBackup } from "./backup.js";
import { createOperatorClients, type OperatorClients } from "./client.js";
import type { CommandContext } from "./context.js";
import { describeError, UsageError } from "./errors.js";
import { keysUsage, runKeys } from "./keys.js";
import type { Output } from "./output.js";
import { type QdrantTarget, qdrantMigrateUsage, runQdrantMigrate } from "./qdrant-migrate.js";
import { restoreUsage, runRestore } from "./restore.js";
import { runSubject, subjectUsage } from "./subject.js";
import { runToken, tokenUsage } from "./token.js";

/** The settings the CLI takes from its environment. */
export interface CliSettings {
  /** `RAGPLANE_URL`: ragplane's HTTP port. Default {@link defaultUrl}. */
  readonly url: string;
  /** `RAGPLANE_API_KEY`: an admin key; none when undefined. */
  readonly apiKey?: string;
  /** `DATA_DIR`: where the local signing key lives, and where restore writes. Default `./data`. */
  readonly dataDir: string;
  /** `QDRANT_URL` and `QDRANT_API_KEY`, for `qdrant-migrate`; undefined without a URL. */
  readonly qdrant?: QdrantTarget;
}

/** Where the CLI looks for ragplane when `RAGPLANE_URL` is not set. */
export const defaultUrl = "http://127.0.0.1:8080";

/** The help text. */
export const usage = `usage:
${keysUsage}
${auditUsage}
${subjectUsage}
${tokenUsage}
${backupUsage}
${restoreUsage}
${qdrantMigrateUsage}

Durations: 45s, 15m, 1h, 30d, 2w. keys, audit, subject and backup call ragplane at
RAGPLANE_URL (default ${defaultUrl}) with RAGPLANE_API_KEY (backup and keys rewrap: a
platform admin's key); token signs with the key in DATA_DIR (default ./data); restore writes a backup into
an empty DATA_DIR (or --data-dir) while no server runs on it; qdrant-migrate copies the
former per-tenant Qdrant collections at QDRANT_URL (QDRANT_API_KEY) into the shared layout.`;

/**
 * Runs one command line and resolves with the process exit code: 0 on success, 1 when
 * the command failed (the error's code and message on stderr), 2 for a wrong command line,
 * 3 when `audit verify` found the trail broken.
 */
export async function runCli(
  argv: readonly string[],
  settings: CliSettings,
  output: Output,
  now: () => number = Date.now,
): Promise<number> {
  const [command, ...args] = argv;
  let clients: OperatorClients | undefined;
  const connect = (): OperatorClients => {
    clients ??= createOperatorClients({
      url: settings.url,
      ...(settings.apiKey === undefined ? {} : { apiKey: settings.apiKey }),
    });
    return clients;
  };
  const context: CommandContext = {
    admin: () => connect().admin,
    compliance: () => connect().compliance,
    output,
    now,
    dataDir: settings.dataDir,
  };
  try {
    switch (command) {
      case "keys":
        await runKeys(args, context);
        return 0;
      case "audit":
        return await runAudit(args, context);
      case "subject":
        await runSubject(args, context);
        return 0;
      case "token":
        await runToken(args, context);
        return 0;
      case "backup":
        await runBackup(args, context);
        return 0;
      case "restore":
        await runRestore(args, context);
        return 0;
      case "qdrant-migrate":
        await runQdrantMigrate(args, context, settings.qdrant);
        return 0;
      case undefined:
      case "help":
      case "--help":
      case "-h":
        output.out(usage);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    output.err(describeError(error));
    if (!(error instanceof UsageError)) return 1;
    output.err(usage);
    return 2;
  }
}
