import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { AlreadyExistsError, EngineUnavailableError, NotFoundError } from "../../clients/errors.js";
import type { EventLog } from "../../clients/events/port.js";
import { generateApiKey, hashApiKey } from "../../security/api-keys/format.js";
import { LogApiKeyStore } from "../../security/api-keys/log-store.js";
import type { ApiKeyRecord, ApiKeyStore } from "../../security/api-keys/port.js";
import { type StoreHarness, useContractContext } from "./harness.js";

/** An `ApiKeyStore` on fresh storage, with a way to open a second replica on the same storage. */
export interface ApiKeyStoreHarness extends StoreHarness<ApiKeyStore> {
  /** Opens another store on the same data through its own connection, as another replica would. */
  replica(): Promise<ApiKeyStore>;
}

/**
 * A harness of {@link LogApiKeyStore}s over logs from `openLog`, each store on a log of
 * its own as a replica would have; `removeData` runs once every store and log is closed.
 */
export async function logStoreHarness(
  openLog: () => Promise<EventLog>,
  removeData: () => Promise<void>,
): Promise<ApiKeyStoreHarness> {
  const logger = pino({ level: "silent" });
  const logs: EventLog[] = [];
  const stores: ApiKeyStore[] = [];
  const openStore = async (): Promise<ApiKeyStore> => {
    const events = await openLog();
    logs.push(events);
    const store = await LogApiKeyStore.open({ events, logger });
    stores.push(store);
    return store;
  };
  const closeAll = async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const log of logs.splice(0)) await log.close();
  };
  let store = await openStore();
  return {
    get store() {
      return store;
    },
    async reopen() {
      await closeAll();
      store = await openStore();
      return store;
    },
    replica: openStore,
    async cleanup() {
      await closeAll();
      await removeData();
    },
  };
}

/** How long a change may take to reach another replica. */
export const replicaPropagationMs = 2000;

let nextCreatedAt = 1_800_000_000_000;

/** A fresh, valid record of `tenant`. */
export function keyRecord(tenant: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  const { id, key } = generateApiKey();
  return {
    id,
    tenant,
    name: `key ${id}`,
    scopes: ["vectors:read"],
    hash: hashApiKey(key),
    createdAt: nextCreatedAt++,
    createdBy: "key:admin",
    ...overrides,
  };
}

/** Polls `check` until it holds or `waitMs` passes; returns how long it took. */
async function eventually(check: () => boolean, waitMs: number): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > waitMs) throw new Error(`not within ${waitMs} ms`);
    await sleep(10);
  }
  return performance.now() - started;
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure, got a result");
}

/** The one contract of the `ApiKeyStore` port; every adapter (and every log under it) runs it. */
export function describeApiKeyStoreContract(
  label: string,
  open: () => Promise<ApiKeyStoreHarness>,
): void {
  describe(`ApiKeyStore contract: ${label}`, () => {
    let harness: ApiKeyStoreHarness | undefined;
    const replicas: ApiKeyStore[] = [];
    const context = useContractContext(async () => {
      harness = await open();
      const opened = harness;
      return {
        store: opened.store,
        reopen: () => opened.reopen(),
        async cleanup() {
          for (const replica of replicas.splice(0)) await replica.close();
          await opened.cleanup();
        },
      };
    });
    const replica = async (): Promise<ApiKeyStore> => {
      if (harness === undefined) throw new Error("used outside a test");
      const opened = await harness.replica();
      replicas.push(opened);
      return opened;
    };

    describe("create and get", () => {
      it("is empty before the first key and returns a created key from get at once", async () => {
        const { store, tenant } = context;
        expect(store.isEmpty()).toBe(true);
        const record = keyRecord(tenant, { expiresAt: 1_900_000_000_000 });
        await store.create(record);
        expect(store.get(record.id)).toEqual(record);
        expect(store.isEmpty()).toBe(false);
        expect(store.get(generateApiKey().id)).toBeUndefined();
      });

      it("refuses a second key with a taken id and keeps the first", async () => {
        const { store, tenant } = context;
        const first = keyRecord(tenant);
        await store.create(first);
        const second = { ...keyRecord(tenant), id: first.id };
        const error = await failureOf(store.create(second));
        expect(error).toBeInstanceOf(AlreadyExistsError);
        expect(store.get(first.id)).toEqual(first);
      });
    });

    describe("revoke", () => {
      it("marks a key revoked at the given time, visible to get at once", async () => {
        const { store, tenant } = context;
        const record = keyRecord(tenant);
        await store.create(record);
        const revoked = await store.revoke(record.id, 1_850_000_000_000);
        expect(revoked).toEqual({ ...record, revokedAt: 1_850_000_000_000 });
        expect(store.get(record.id)).toEqual(revoked);
      });

      it("keeps the first revocation time when revoked twice", async () => {
        const { store, tenant } = context;
        const record = keyRecord(tenant);
        await store.create(record);
        await store.revoke(record.id, 1000);
        expect((await store.revoke(record.id, 2000)).revokedAt).toBe(1000);
        expect(store.get(record.id)?.revokedAt).toBe(1000);
      });

      it("fails with NotFoundError for an unknown id", async () => {
        const error = await failureOf(context.store.revoke(generateApiKey().id, 1000));
        expect(error).toBeInstanceOf(NotFoundError);
      });
    });

    describe("list", () => {
      it("pages through keys in creation order with opaque tokens", async () => {
        const { store, tenant } = context;
        const records = [];
        for (let i = 0; i < 5; i++) {
          const record = keyRecord(tenant);
          await store.create(record);
          records.push(record);
        }
        await store.revoke(records[1]?.id ?? "", 1000);
        const first = await store.list({ tenant, limit: 2 });
        expect(first.keys.map((k) => k.id)).toEqual([records[0]?.id, records[1]?.id]);
        expect(first.keys[1]?.revokedAt).toBe(1000);
        expect(first.nextPageToken).toEqual(expect.any(String));
        const second = await store.list({ tenant, limit: 2, pageToken: first.nextPageToken });
        expect(second.keys.map((k) => k.id)).toEqual([records[2]?.id, records[3]?.id]);
        const last = await store.list({ tenant, limit: 2, pageToken: second.nextPageToken });
        expect(last.keys.map((k) => k.id)).toEqual([records[4]?.id]);
        expect(last.nextPageToken).toBeUndefined();
      });

      it("ends without a token when the page is exactly filled", async () => {
        const { store, tenant } = context;
        for (let i = 0; i < 2; i++) await store.create(keyRecord(tenant));
        const page = await store.list({ tenant, limit: 2 });
        expect(page.keys).toHaveLength(2);
        expect(page.nextPageToken).toBeUndefined();
      });

      it("narrows to one tenant across pages, or lists every tenant", async () => {
        const { store, tenant, otherTenant } = context;
        const ours: string[] = [];
        const all: string[] = [];
        for (let i = 0; i < 6; i++) {
          const record = keyRecord(i % 2 === 0 ? tenant : otherTenant);
          await store.create(record);
          all.push(record.id);
          if (record.tenant === tenant) ours.push(record.id);
        }
        const seen: string[] = [];
        let pageToken: string | undefined;
        do {
          const page = await store.list({ tenant, limit: 2, pageToken });
          expect(page.keys.every((k) => k.tenant === tenant)).toBe(true);
          seen.push(...page.keys.map((k) => k.id));
          pageToken = page.nextPageToken;
        } while (pageToken !== undefined);
        expect(seen).toEqual(ours);
        const everything = await store.list({ limit: 100 });
        expect(everything.keys.map((k) => k.id)).toEqual(all);
        expect(await store.list({ tenant: "nobody", limit: 10 })).toEqual({ keys: [] });
      });
    });

    describe("replicas", () => {
      it("shows a change made on one replica to another within 2 s, both ways", async () => {
        const { store, tenant } = context;
        const before = keyRecord(tenant);
        await store.create(before);
        const other = await replica();
        expect(other.get(before.id)).toEqual(before);

        const created = keyRecord(tenant);
        await store.create(created);
        await eventually(() => other.get(created.id) !== undefined, replicaPropagationMs);
        expect(other.get(created.id)).toEqual(created);

        await other.revoke(before.id, 1234);
        await eventually(() => store.get(before.id)?.revokedAt === 1234, replicaPropagationMs);
        expect((await store.list({ tenant, limit: 10 })).keys.map((k) => k.id)).toEqual([
          before.id,
          created.id,
        ]);
        expect((await other.list({ tenant, limit: 10 })).keys).toEqual(
          (await store.list({ tenant, limit: 10 })).keys,
        );
      });
    });

    describe("durability", () => {
      it("has every key, revocation and the creation order back after a reopen", async () => {
        const { store, tenant } = context;
        const records = [keyRecord(tenant), keyRecord(tenant), keyRecord(tenant)];
        for (const record of records) await store.create(record);
        await store.revoke(records[0]?.id ?? "", 42);
        const reopened = await context.reopen();
        expect(reopened.isEmpty()).toBe(false);
        expect(reopened.get(records[0]?.id ?? "")?.revokedAt).toBe(42);
        expect((await reopened.list({ tenant, limit: 10 })).keys.map((k) => k.id)).toEqual(
          records.map((r) => r.id),
        );
        const more = keyRecord(tenant);
        await reopened.create(more);
        expect(reopened.get(more.id)).toEqual(more);
      });

      it("refuses writes after close with EngineUnavailableError", async () => {
        const { store, tenant } = context;
        await store.close();
        expect(await failureOf(store.create(keyRecord(tenant)))).toBeInstanceOf(
          EngineUnavailableError,
        );
      });
    });
  });
}
