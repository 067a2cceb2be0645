import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { EventLog, StoredEvent } from "../../clients/events/port.js";
import type { IngestionSettings } from "../../server/ingestion/settings.js";
import {
  decodeSettingsChange,
  encodeSettingsChange,
} from "../../server/ingestion/settings-codec.js";
import { IngestionSettingsStore } from "../../server/ingestion/settings-store.js";
import { openTemporaryLog } from "../support/temporary-log.js";

const logger = pino({ level: "silent" });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const settings: IngestionSettings = {
  tenant: "acme",
  topic: "docs",
  collection: "c",
  graph: true,
  deadLetterTopic: "docs.dead-letter",
  generation: "g1",
};

function asStored(event: ReturnType<typeof encodeSettingsChange>): StoredEvent {
  return {
    id: event.id,
    key: event.key ?? "",
    payload: event.payload,
    contentType: "",
    headers: {},
    subject: "",
    time: new Date(),
    partition: 0,
    offset: 0n,
  };
}

async function openStore(events: EventLog) {
  const store = new IngestionSettingsStore({ events, logger });
  cleanups.push(() => store.close());
  await store.start();
  return store;
}

describe("ingestion settings", () => {
  it("encodes a change as an event it reads back, and refuses what is not one", () => {
    const put = { kind: "put", settings } as const;
    expect(decodeSettingsChange(asStored(encodeSettingsChange(put)))).toEqual({
      kind: "valid",
      change: put,
    });
    const deleted = { kind: "deleted", tenant: "acme", topic: "docs", generation: "g1" } as const;
    expect(decodeSettingsChange(asStored(encodeSettingsChange(deleted)))).toEqual({
      kind: "valid",
      change: deleted,
    });
    const junk = {
      ...asStored(encodeSettingsChange(put)),
      payload: new TextEncoder().encode("{}"),
    };
    expect(decodeSettingsChange(junk).kind).toBe("invalid");
  });

  it("shares puts and deletes between stores on one log, and keeps them for the next one", async () => {
    const log = await openTemporaryLog("ragplane-ingestion-settings-");
    cleanups.push(log.remove);
    const one = await openStore(log.events);
    const other = await openStore(log.events);
    const seen: (IngestionSettings | undefined)[] = [];
    other.onChange((_tenant, _topic, current) => seen.push(current));

    await one.put(settings);
    await one.put({ ...settings, tenant: "acme", topic: "alpha", generation: "g2" });
    await one.put({ ...settings, tenant: "other", topic: "zeta" });
    for (let i = 0; i < 100 && seen.length < 3; i++) await sleep(10);
    expect(other.get("acme", "docs")).toEqual(settings);
    expect(other.page("acme", 1)).toEqual({
      items: [other.get("acme", "alpha")],
      nextAfter: "alpha",
    });
    expect(other.page("acme", 1, "alpha").items.map((s) => s.topic)).toEqual(["docs"]);

    expect(await one.delete("acme", "docs")).toBe(true);
    expect(await one.delete("acme", "docs")).toBe(false);
    for (let i = 0; i < 100 && seen.length < 4; i++) await sleep(10);
    expect(seen.at(-1)).toBeUndefined();
    expect(other.get("acme", "docs")).toBeUndefined();

    const later = await openStore(log.events);
    expect(
      later
        .all()
        .map((s) => `${s.tenant}/${s.topic}`)
        .sort(),
    ).toEqual(["acme/alpha", "other/zeta"]);
  });
});
