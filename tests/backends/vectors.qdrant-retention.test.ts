import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { QdrantClient } from "@qdrant/js-client-rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QdrantVectorStore } from "../../clients/vectors/qdrant/store.js";

/**
 * Write times in Qdrant itself: every point carries an indexed `rp_written_at`, and the
 * points of a collection stored before write times existed get one when the collection is
 * given a maximum age, so they expire instead of staying forever.
 */
const url = process.env.QDRANT_URL;
const apiKey = process.env.QDRANT_API_KEY;
const prefix = `r${randomBytes(6).toString("hex")}`;

describe.skipIf(!url)(`Qdrant write times (${url ?? "skipped: set QDRANT_URL"})`, () => {
  const options = { url: url ?? "", collectionPrefix: prefix, ...(apiKey ? { apiKey } : {}) };
  const shared = `${prefix}_v2_dot`;
  let store: QdrantVectorStore;
  let admin: QdrantClient;

  beforeAll(async () => {
    store = await QdrantVectorStore.connect(options);
    admin = new QdrantClient({ ...options, checkCompatibility: false });
  });
  afterAll(async () => {
    await store?.close();
    const names = (await admin.getCollections()).collections.map((c) => c.name);
    await Promise.all(
      names
        .filter((name) => name.startsWith(`${prefix}_`))
        .map((name) => admin.deleteCollection(name)),
    );
  });

  it("indexes the write time as an integer and stores it with every point", async () => {
    const before = Date.now();
    await store.createCollection("acme", { name: "docs", dimension: 2, distance: "dot" });
    await store.upsert("acme", "docs", [{ id: "a", vector: [1, 0], payload: { n: 1 } }]);
    const info = await admin.getCollection(shared);
    expect(info.payload_schema.rp_written_at?.data_type).toBe("integer");
    const { points } = await admin.scroll(shared, { limit: 10, with_payload: true });
    const writtenAt = points[0]?.payload?.rp_written_at as number;
    expect(writtenAt).toBeGreaterThanOrEqual(before);
    expect(writtenAt).toBeLessThanOrEqual(Date.now());
  });

  it("stamps points without a write time when the collection gets a maximum age", async () => {
    await store.createCollection("acme", { name: "legacy", dimension: 2, distance: "dot" });
    await store.upsert("acme", "legacy", [
      { id: "a", vector: [1, 0] },
      { id: "b", vector: [0, 1] },
    ]);
    await admin.deletePayload(shared, {
      keys: ["rp_written_at"],
      filter: { must: [{ key: "rp_tenant", match: { value: "acme" } }] },
      wait: true,
    });
    expect(await store.deleteWrittenBefore("acme", "legacy", Date.now() + 60_000, 10)).toBe(0);
    await sleep(5);
    const stampedAfter = Date.now();
    await store.setMaxAge("acme", "legacy", 60_000);
    expect(await store.deleteWrittenBefore("acme", "legacy", stampedAfter, 10)).toBe(0);
    expect(await store.deleteWrittenBefore("acme", "legacy", Date.now() + 1, 10)).toBe(2);
    expect(await store.count("acme", "docs")).toBe(1);
  });
});
