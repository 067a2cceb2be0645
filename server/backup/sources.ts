import { copyFile, mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { throwIfAborted } from "../../clients/errors.js";
import type { Snapshottable } from "../../clients/snapshot.js";
import type { EngineConfig } from "../config.js";

/** One part of DATA_DIR that a backup copies: a store and the directory it keeps files in. */
export interface BackupSource {
  /** What it holds, for progress reports, e.g. `events` or `token denylist`. */
  readonly name: string;
  /** The store's directory under DATA_DIR, `/`-separated, e.g. `events` or `auth`. */
  readonly directory: string;
  readonly store: Snapshottable;
}

/** A real engine, whose data no backup of DATA_DIR holds, and how it is backed up. */
export interface ExternalEngine {
  /** The engine and the variable that configures it, e.g. `Kafka (KAFKA_BROKERS)`. */
  readonly name: string;
  /** Its own backup tool. */
  readonly tool: string;
}

/** The real engines `settings` configures, with their backup tools; empty when all are embedded. */
export function externalEngines(settings: EngineConfig): ExternalEngine[] {
  const engines: ExternalEngine[] = [];
  if (settings.kafka !== undefined) {
    engines.push({
      name: "Kafka (KAFKA_BROKERS)",
      tool: "replicate its topics to another cluster (MirrorMaker 2) or replay them from their sources",
    });
  }
  if (settings.qdrant !== undefined) {
    engines.push({ name: "Qdrant (QDRANT_URL)", tool: "Qdrant's snapshots API" });
  }
  if (settings.neo4j !== undefined) {
    engines.push({ name: "Neo4j (NEO4J_URL)", tool: "neo4j-admin database dump and load" });
  }
  if (settings.redis !== undefined) {
    engines.push({ name: "Redis (REDIS_URL)", tool: "Redis's RDB snapshots or AOF" });
  }
  return engines;
}

/**
 * A file copied as it is, when it exists: for files written once and never changed in
 * place, such as the local signing key. Nothing is copied when it is missing.
 */
export function fileCopy(path: string): Snapshottable {
  return {
    async snapshot(targetDir, signal) {
      throwIfAborted(signal);
      await mkdir(targetDir, { recursive: true });
      try {
        await copyFile(path, join(targetDir, basename(path)));
      } catch (error) {
        if ((error as { code?: unknown }).code !== "ENOENT") throw error;
      }
    },
  };
}
