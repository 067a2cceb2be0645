import { QdrantClient } from "@qdrant/js-client-rest";
import {
  findLegacyCollections,
  migrateLegacyCollection,
} from "../clients/vectors/qdrant/migrate-legacy.js";
import { QdrantVectorStore } from "../clients/vectors/qdrant/store.js";
import { list, parseCommand } from "./args.js";
import type { CommandContext } from "./context.js";
import { UsageError } from "./errors.js";

/** Usage of the `qdrant-migrate` command. */
export const qdrantMigrateUsage =
  "ragplane qdrant-migrate [--tenants <t1,t2,...>] [--delete-legacy] [--prefix rp]";

/** Where the command finds Qdrant. */
export interface QdrantTarget {
  /** `QDRANT_URL`. */
  readonly url: string;
  /** `QDRANT_API_KEY`. */
  readonly apiKey?: string | undefined;
}

/**
 * Runs `qdrant-migrate`: copies every collection of the former Qdrant layout (a Qdrant
 * collection per tenant and collection) into the shared layout the server now uses,
 * printing each one's outcome. Safe to run again; the server may keep serving meanwhile.
 * `--tenants` names tenants whose legacy collections may be empty (an empty one's tenant
 * cannot be read from its points); `--delete-legacy` drops each legacy collection once
 * its copy holds every point; `--prefix` is the collection prefix (the server's is `rp`).
 */
export async function runQdrantMigrate(
  args: readonly string[],
  context: CommandContext,
  target: QdrantTarget | undefined,
): Promise<void> {
  const { values } = parseCommand(args, {
    tenants: { type: "string" },
    "delete-legacy": { type: "boolean" },
    prefix: { type: "string" },
  });
  const prefix = values.prefix ?? "rp";
  if (target === undefined) throw new UsageError("QDRANT_URL is required");
  const options = {
    url: target.url,
    collectionPrefix: prefix,
    ...(target.apiKey ? { apiKey: target.apiKey } : {}),
  };
  const client = new QdrantClient({
    url: target.url,
    ...(target.apiKey ? { apiKey: target.apiKey } : {}),
    checkCompatibility: false,
  });
  const store = await QdrantVectorStore.connect(options);
  try {
    const legacy = await findLegacyCollections(client, prefix);
    context.output.out(`${legacy.length} collections of the former layout`);
    let failed = 0;
    for (const collection of legacy) {
      const outcome = await migrateLegacyCollection(
        client,
        store,
        collection,
        list(values.tenants),
      );
      if (outcome.kind === "skipped") {
        failed += 1;
        context.output.out(`${collection.qdrantName}: skipped, ${outcome.reason}`);
        continue;
      }
      context.output.out(
        `${collection.qdrantName}: ${outcome.points} points copied to tenant ${JSON.stringify(outcome.tenant)}, collection ${collection.name}`,
      );
      if (values["delete-legacy"]) {
        await client.deleteCollection(collection.qdrantName);
        context.output.out(`${collection.qdrantName}: deleted`);
      }
    }
    if (failed > 0) throw new Error(`${failed} collections were skipped`);
  } finally {
    await store.close();
  }
}
