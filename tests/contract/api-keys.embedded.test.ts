import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedEventLog } from "../../clients/events/embedded/log.js";
import type { EventLog } from "../../clients/events/port.js";
import { apiKeysTopic, LogApiKeyStore, systemTenant } from "../../security/api-keys/log-store.js";
import { openTemporaryLog } from "../support/temporary-log.js";
import {
  type ApiKeyStoreHarness,
  describeApiKeyStoreContract,
  keyRecord,
  logStoreHarness,
} from "./api-keys.contract.js";

const logger = pino({ level: "silent" });

/** A store on an embedded log in a fresh temp dir; a replica is a second log on the same file. */
async function openEmbedded(): Promise<ApiKeyStoreHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), "ragplane-api-keys-"));
  return logStoreHarness(
    () => EmbeddedEventLog.open({ dataDir, retentionSweepMs: 0 }),
    () => rm(dataDir, { recursive: true, force: true }),
  );
}

describeApiKeyStoreContract("log store on the embedded (SQLite) log", openEmbedded);

describe("LogApiKeyStore on the embedded log", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function openLog(): Promise<EventLog> {
    const log = await openTemporaryLog("ragplane-api-keys-");
    cleanups.push(log.remove);
    return log.events;
  }

  it("keeps keys in a single-partition, keep-forever topic of the system tenant, one event per change", async () => {
    const events = await openLog();
    const store = await LogApiKeyStore.open({ events, logger });
    cleanups.unshift(() => store.close());
    const record = keyRecord("acme");
    await store.create(record);
    await store.revoke(record.id, 5);
    await store.revoke(record.id, 6);
    expect(await events.getTopic(systemTenant, apiKeysTopic)).toEqual({
      name: apiKeysTopic,
      partitions: 1,
      retentionMs: 0,
    });
    expect(await events.endOffsets(systemTenant, apiKeysTopic)).toEqual([2n]);
    expect((await events.listTopics("acme", { limit: 10 })).topics).toEqual([]);
  });

  it("skips an unreadable event, logs it, and goes on with the next", async () => {
    const events = await openLog();
    const errors: unknown[] = [];
    const recording = pino(
      { level: "error" },
      { write: (line: string) => errors.push(JSON.parse(line)) },
    );
    const store = await LogApiKeyStore.open({ events, logger: recording });
    cleanups.unshift(() => store.close());
    await events.append(systemTenant, apiKeysTopic, [
      {
        id: "junk",
        payload: new TextEncoder().encode("{not json"),
        headers: { change: "created" },
      },
    ]);
    const record = keyRecord("acme");
    await store.create(record);
    expect(store.get(record.id)).toEqual(record);
    expect(errors).toEqual([
      expect.objectContaining({ eventId: "junk", reason: "payload is not JSON" }),
    ]);
  });

  it("applies concurrent creates and resolves each once its own event is in memory", async () => {
    const events = await openLog();
    const store = await LogApiKeyStore.open({ events, logger });
    cleanups.unshift(() => store.close());
    const records = Array.from({ length: 20 }, () => keyRecord("acme"));
    await Promise.all(records.map((record) => store.create(record)));
    for (const record of records) expect(store.get(record.id)).toEqual(record);
  });

  it("opens on a log that already has the topic, catching up before it resolves", async () => {
    const events = await openLog();
    const first = await LogApiKeyStore.open({ events, logger });
    const records = Array.from({ length: 300 }, () => keyRecord("acme"));
    for (const record of records) await first.create(record);
    await first.close();
    const second = await LogApiKeyStore.open({ events, logger });
    cleanups.unshift(() => second.close());
    expect((await second.list({ limit: 1000 })).keys).toHaveLength(300);
  });
});
