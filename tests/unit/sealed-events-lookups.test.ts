import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StoredEvent } from "../../clients/events/port.js";
import type { DataKey, DataKeyring } from "../../security/encryption/keyring.js";
import { sealEventLog } from "../../server/encryption/sealed-events.js";
import { memoryKeyring } from "../support/memory-keyring.js";
import { openTemporaryLog, type TemporaryLog } from "../support/temporary-log.js";

/** A keyring that counts its lookups, over `inner`. */
function counting(inner: DataKeyring) {
  const calls = { sealing: 0, opening: 0 };
  const keyring: DataKeyring = {
    cacheMs: inner.cacheMs,
    sealingKey(tenant, subject, signal) {
      calls.sealing += 1;
      return inner.sealingKey(tenant, subject, signal);
    },
    openingKey(tenant, keyId, signal) {
      calls.opening += 1;
      return inner.openingKey(tenant, keyId, signal);
    },
    hasSubjectKey: (tenant, subject, signal) => inner.hasSubjectKey(tenant, subject, signal),
    destroySubjectKey: (tenant, subject, signal) =>
      inner.destroySubjectKey(tenant, subject, signal),
  };
  return { keyring, calls };
}

let temporary: TemporaryLog;
beforeEach(async () => {
  temporary = await openTemporaryLog("ragplane-sealed-lookups-");
  await temporary.events.createTopic("acme", { name: "t", partitions: 2, retentionMs: 0 });
});
afterEach(() => temporary.remove());

const events = Array.from({ length: 90 }, (_, index) => ({
  id: `e${index}`,
  payload: new TextEncoder().encode(`payload ${index}`),
  subject: index % 3 === 0 ? "" : `person-${index % 3}`,
}));

describe("sealEventLog's key lookups", () => {
  it("looks up each distinct key of a batch once, on append and on consume", async () => {
    const { keyring, calls } = counting(memoryKeyring());
    const sealed = sealEventLog(temporary.events, keyring, { encryptAll: true });
    await sealed.append("acme", "t", events);
    expect(calls.sealing).toBe(3);
    const controller = new AbortController();
    const seen: StoredEvent[] = [];
    await sealed.consume(
      "acme",
      "t",
      "g",
      async (batch) => {
        seen.push(...batch.events);
        if (seen.length === events.length) controller.abort();
      },
      { maxBatchEvents: 1000 },
      controller.signal,
    );
    expect(seen).toHaveLength(90);
    expect(calls.opening).toBeLessThanOrEqual(6);
    expect(new Set(seen.map((event) => event.subject))).toEqual(
      new Set(["", "person-1", "person-2"]),
    );
  });

  it("reads without waiting on the keyring when it answers from its cache", async () => {
    const inner = memoryKeyring();
    const keys = new Map<string, DataKey>();
    const cached = counting(inner);
    const withCache = Object.assign(cached.keyring, {
      cachedOpeningKey: (_tenant: string, keyId: string) => keys.get(keyId),
    });
    const sealed = sealEventLog(temporary.events, withCache, { encryptAll: true });
    await sealed.append("acme", "t", events.slice(0, 3));
    for (const subject of ["", "person-1", "person-2"]) {
      const key = await inner.sealingKey("acme", subject || undefined);
      keys.set(key.id, key);
    }
    const controller = new AbortController();
    let count = 0;
    for await (const event of sealed.read(
      "acme",
      "t",
      { start: { kind: "beginning" } },
      controller.signal,
    )) {
      expect(event.payload.length).toBeGreaterThan(0);
      count += 1;
      if (count === 3) break;
    }
    expect(cached.calls.opening).toBe(0);
  });
});
