import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { EmbeddedEventLog } from "../clients/events/embedded/log.js";
import { EmbeddedGraphStore } from "../clients/graphs/embedded/store.js";
import { EmbeddedVectorStore } from "../clients/vectors/embedded/store.js";
import type { Engines } from "./build.js";
import type { Config } from "./config.js";

/** Engines plus the means to close them all. */
export interface OpenEngines extends Engines {
  /** Closes every engine, flushing what they persist. */
  close(): Promise<void>;
}

/**
 * Opens the engine behind each port. With no engine URL configured every capability
 * runs embedded, under `config.dataDir`.
 */
export async function openEngines(config: Config): Promise<OpenEngines> {
  await mkdir(config.dataDir, { recursive: true });
  const events = await EmbeddedEventLog.open({ dataDir: join(config.dataDir, "events") });
  const vectors = await EmbeddedVectorStore.open({ dataDir: join(config.dataDir, "vectors") });
  const graphs = await EmbeddedGraphStore.open({ dataDir: join(config.dataDir, "graphs") });
  return {
    events,
    vectors,
    graphs,
    async close() {
      await Promise.allSettled([events.close(), vectors.close(), graphs.close()]);
    },
  };
}
