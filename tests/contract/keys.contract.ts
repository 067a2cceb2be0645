import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { DataKeyRecord, DataKeyStore, TenantDataKeyRecord } from "../../clients/keys/port.js";
import { type StoreHarness, useContractContext } from "./harness.js";

/** A `DataKeyStore` on fresh storage, with a second store on the same data (another replica). */
export interface DataKeyStoreHarness extends StoreHarness<DataKeyStore> {
  /** A store on the same data through its own connection, as another replica would have. */
  replica(): Promise<DataKeyStore>;
}

/** A record with a random id and wrapped bytes. */
export function dataKeyRecord(kekId = "kek-a", createdMs = 1_700_000_000_000): DataKeyRecord {
  return {
    id: randomBytes(16).toString("base64url"),
    wrapped: new Uint8Array(randomBytes(61)),
    kekId,
    createdMs,
  };
}

async function listAll(store: DataKeyStore, limit: number): Promise<TenantDataKeyRecord[]> {
  const records: TenantDataKeyRecord[] = [];
  let after: string | undefined;
  do {
    const page = await store.list(after === undefined ? { limit } : { limit, after });
    expect(page.records.length).toBeLessThanOrEqual(limit);
    records.push(...page.records);
    after = page.next;
  } while (after !== undefined);
  return records;
}

/** The behaviour every data key store must show. */
export function describeDataKeyStoreContract(
  name: string,
  open: () => Promise<DataKeyStoreHarness>,
): void {
  describe(`DataKeyStore contract: ${name}`, () => {
    let harness: DataKeyStoreHarness | undefined;
    const context = useContractContext(async () => {
      harness = await open();
      return harness;
    });

    it("finds a created record by id and by name, bytes and fields intact", async () => {
      const { store, tenant } = context;
      const record = dataKeyRecord();
      expect(await store.createIfAbsent(tenant, "t", record)).toEqual(record);
      expect(await store.getById(tenant, record.id)).toEqual(record);
      expect(await store.getByName(tenant, "t")).toEqual(record);
      expect(await store.getByName(tenant, "s:absent")).toBeUndefined();
      expect(await store.getById(tenant, "absent")).toBeUndefined();
    });

    it("keeps tenants apart: the same name and id in another tenant are other records", async () => {
      const { store, tenant, otherTenant } = context;
      const record = dataKeyRecord();
      await store.createIfAbsent(tenant, "t", record);
      expect(await store.getByName(otherTenant, "t")).toBeUndefined();
      expect(await store.getById(otherTenant, record.id)).toBeUndefined();
      const other = { ...dataKeyRecord(), id: record.id };
      expect(await store.createIfAbsent(otherTenant, "t", other)).toEqual(other);
      expect(await store.getById(tenant, record.id)).toEqual(record);
    });

    it("returns the stored record when the name is taken: the first create wins", async () => {
      const { store, tenant } = context;
      const first = dataKeyRecord();
      await store.createIfAbsent(tenant, "s:abc", first);
      const second = dataKeyRecord();
      expect(await store.createIfAbsent(tenant, "s:abc", second)).toEqual(first);
      expect(await store.getById(tenant, second.id)).toBeUndefined();
    });

    it("agrees on one winner when two replicas race for a name", async () => {
      const { store, tenant } = context;
      const replica = await (harness as DataKeyStoreHarness).replica();
      const candidates = Array.from({ length: 20 }, () => dataKeyRecord());
      const winners = await Promise.all(
        candidates.map((record, index) =>
          (index % 2 === 0 ? store : replica).createIfAbsent(tenant, "s:race", record),
        ),
      );
      const ids = new Set(winners.map((winner) => winner.id));
      expect(ids.size).toBe(1);
      expect((await replica.getByName(tenant, "s:race"))?.id).toBe(winners[0]?.id);
    });

    it("deletes the name and its record, true once, then false", async () => {
      const { store, tenant } = context;
      const kept = dataKeyRecord();
      const erased = dataKeyRecord();
      await store.createIfAbsent(tenant, "t", kept);
      await store.createIfAbsent(tenant, "s:erased", erased);
      expect(await store.deleteByName(tenant, "s:erased")).toBe(true);
      expect(await store.getByName(tenant, "s:erased")).toBeUndefined();
      expect(await store.getById(tenant, erased.id)).toBeUndefined();
      expect(await store.deleteByName(tenant, "s:erased")).toBe(false);
      expect(await store.getById(tenant, kept.id)).toEqual(kept);
      expect((await listAll(store, 10)).map((record) => record.id)).not.toContain(erased.id);
    });

    it("creates a new record under a name after its deletion", async () => {
      const { store, tenant } = context;
      await store.createIfAbsent(tenant, "s:again", dataKeyRecord());
      await store.deleteByName(tenant, "s:again");
      const fresh = dataKeyRecord();
      expect(await store.createIfAbsent(tenant, "s:again", fresh)).toEqual(fresh);
    });

    it("pages through every record of every tenant, each once", async () => {
      const { store, tenant, otherTenant } = context;
      const created: TenantDataKeyRecord[] = [];
      for (let index = 0; index < 7; index++) {
        const record = dataKeyRecord();
        const owner = index % 2 === 0 ? tenant : otherTenant;
        await store.createIfAbsent(owner, `s:${index}`, record);
        created.push({ tenant: owner, ...record });
      }
      const listed = (await listAll(store, 3)).filter(
        (record) => record.tenant === tenant || record.tenant === otherTenant,
      );
      expect(listed).toHaveLength(7);
      expect(new Set(listed.map((record) => `${record.tenant}/${record.id}`)).size).toBe(7);
      for (const record of created) expect(listed).toContainEqual(record);
    });

    it("replaces a wrapping only while the record is wrapped by the expected KEK", async () => {
      const { store, tenant } = context;
      const record = dataKeyRecord("kek-old");
      await store.createIfAbsent(tenant, "t", record);
      const rewrapped = new Uint8Array(randomBytes(61));
      expect(
        await store.replaceWrapping(tenant, record.id, "kek-other", rewrapped, "kek-new"),
      ).toBe(false);
      expect(await store.getById(tenant, record.id)).toEqual(record);
      expect(await store.replaceWrapping(tenant, record.id, "kek-old", rewrapped, "kek-new")).toBe(
        true,
      );
      expect(await store.getByName(tenant, "t")).toEqual({
        ...record,
        wrapped: rewrapped,
        kekId: "kek-new",
      });
      expect(await store.replaceWrapping(tenant, record.id, "kek-old", randomBytes(61), "x")).toBe(
        false,
      );
      expect(await store.replaceWrapping(tenant, "absent", "kek-old", rewrapped, "x")).toBe(false);
    });

    it("keeps records across a reopen and shares them with another replica", async () => {
      const { tenant } = context;
      const record = dataKeyRecord();
      await context.store.createIfAbsent(tenant, "t", record);
      const reopened = await context.reopen();
      expect(await reopened.getByName(tenant, "t")).toEqual(record);
      const replica = await (harness as DataKeyStoreHarness).replica();
      expect(await replica.deleteByName(tenant, "t")).toBe(true);
      expect(await reopened.getById(tenant, record.id)).toBeUndefined();
    });

    it("rejects a malformed id and reports itself healthy", async () => {
      const { store, tenant } = context;
      await expect(
        store.createIfAbsent(tenant, "t", { ...dataKeyRecord(), id: "has space" }),
      ).rejects.toThrow(RangeError);
      expect(await store.health()).toEqual({ ok: true });
    });
  });
}
