import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmbeddedEventLog } from "../../clients/events/embedded/log.js";

/** An embedded event log in its own temporary directory. */
export interface TemporaryLog {
  readonly events: EmbeddedEventLog;
  readonly dataDir: string;
  /** Closes the log and deletes its directory. */
  remove(): Promise<void>;
}

/** Opens an embedded event log (no retention sweeps) in a new temporary directory. */
export async function openTemporaryLog(prefix: string): Promise<TemporaryLog> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  const events = await EmbeddedEventLog.open({ dataDir, retentionSweepMs: 0 });
  return {
    events,
    dataDir,
    async remove() {
      await events.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
