import { describe, expect, it } from "vitest";
import { privateQdrant, qdrantUrl } from "../support/private-qdrant.js";

/**
 * How the Qdrant adapter lays tenants out in Qdrant itself, checked against a real
 * Qdrant at `QDRANT_URL`: shared collections per vector shape, partitioned by an
 * `is_tenant` scope, instead of a Qdrant collection per tenant and collection.
 */
const tenants = 1_000;

describe.skipIf(!qdrantUrl)(`Qdrant layout (${qdrantUrl ?? "skipped: set QDRANT_URL"})`, () => {
  const qdrant = privateQdrant("l");
  const { prefix } = qdrant;
  const ourCollections = () => qdrant.ourCollections();

  it(`keeps ${tenants} tenants' collections in one shared Qdrant collection plus the catalog, each tenant seeing only its own`, async () => {
    const tenantIds = Array.from({ length: tenants }, (_, i) => `tenant-${i}`);
    for (let start = 0; start < tenants; start += 25) {
      await Promise.all(
        tenantIds.slice(start, start + 25).map(async (tenant, offset) => {
          await qdrant.store.createCollection(tenant, {
            name: "docs",
            dimension: 4,
            distance: "cosine",
          });
          const i = start + offset;
          await qdrant.store.upsert(tenant, "docs", [
            { id: "only", vector: [1, i % 7, (i * 3) % 11, 1], payload: { owner: tenant } },
          ]);
        }),
      );
    }
    expect(await ourCollections()).toEqual([`${prefix}_catalog`, `${prefix}_v4_cosine`]);
    for (const tenant of ["tenant-0", "tenant-499", "tenant-999"]) {
      const hits = await qdrant.store.search(tenant, "docs", {
        vector: [1, 1, 1, 1],
        limit: 10,
        withPayload: true,
        withVector: false,
        exact: false,
      });
      expect(hits.map((hit) => hit.payload)).toEqual([{ owner: tenant }]);
      const listed = await qdrant.store.listCollections(tenant, { limit: 10 });
      expect(listed.collections.map((collection) => collection.name)).toEqual(["docs"]);
    }
  }, 300_000);

  it("partitions the shared collection by an is_tenant scope, with links within each scope", async () => {
    const info = await qdrant.admin.getCollection(`${prefix}_v4_cosine`);
    expect(info.payload_schema.rp_scope?.params).toMatchObject({
      type: "keyword",
      is_tenant: true,
    });
    expect(info.config.hnsw_config).toMatchObject({
      m: 16,
      payload_m: 16,
      full_scan_threshold: 4_000,
    });
  });

  it("never lets a new collection inherit points a former one of its name left behind", async () => {
    await qdrant.store.createCollection("t", { name: "notes", dimension: 4, distance: "cosine" });
    await qdrant.store.upsert("t", "notes", [{ id: "old", vector: [1, 0, 0, 0] }]);
    const shared = `${prefix}_v4_cosine`;
    const before = await qdrant.admin.count(shared, { exact: true });
    const catalog = await qdrant.admin.scroll(`${prefix}_catalog`, {
      filter: { must: [{ key: "rp_tenant", match: { value: "t" } }] },
      with_payload: false,
    });
    await qdrant.admin.delete(`${prefix}_catalog`, {
      wait: true,
      points: catalog.points.map((point) => point.id),
    });
    expect((await qdrant.admin.count(shared, { exact: true })).count).toBe(before.count);

    await qdrant.store.createCollection("t", { name: "notes", dimension: 4, distance: "cosine" });
    expect((await qdrant.store.getCollection("t", "notes")).pointCount).toBe(0);
    expect((await qdrant.admin.count(shared, { exact: true })).count).toBe(before.count - 1);
  });
});
