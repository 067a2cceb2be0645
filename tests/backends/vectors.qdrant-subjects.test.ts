import { randomBytes } from "node:crypto";
import { QdrantClient } from "@qdrant/js-client-rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QdrantVectorStore } from "../../clients/vectors/qdrant/store.js";

/**
 * Data subjects and sensitive fields in Qdrant itself: a point's subject is the hidden,
 * keyword-indexed `rp_subject` beside (never inside) the caller's payload, a shared
 * collection made before subjects gets that index at its next use, and a collection's
 * sensitive fields live in its `rp_catalog` record.
 */
const url = process.env.QDRANT_URL;
const apiKey = process.env.QDRANT_API_KEY;
const prefix = `s${randomBytes(6).toString("hex")}`;

describe.skipIf(!url)(`Qdrant data subjects (${url ?? "skipped: set QDRANT_URL"})`, () => {
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

  it("stores the subject as an indexed rp_subject outside the caller's payload", async () => {
    await store.createCollection("acme", {
      name: "people",
      dimension: 2,
      distance: "dot",
      sensitiveFields: ["ssn"],
    });
    await store.upsert("acme", "people", [
      { id: "a", vector: [1, 0], payload: { n: 1 }, subject: "person-1" },
      { id: "b", vector: [0, 1], payload: { n: 2 } },
    ]);
    const info = await admin.getCollection(shared);
    expect(info.payload_schema.rp_subject?.data_type).toBe("keyword");
    const { points } = await admin.scroll(shared, { limit: 10, with_payload: true });
    const byId = new Map(points.map((p) => [p.payload?.rp_id, p.payload]));
    expect(byId.get("a")?.rp_subject).toBe("person-1");
    expect(byId.get("a")?.rp_payload).toEqual({ n: 1 });
    expect(byId.get("b")).not.toHaveProperty("rp_subject");
    const catalog = await admin.scroll(`${prefix}_catalog`, { limit: 10, with_payload: true });
    const record = catalog.points.find((p) => p.payload?.rp_name === "people");
    expect(record?.payload?.rp_sensitive_fields).toEqual(["ssn"]);
  });

  it("indexes rp_subject in a shared collection made before subjects, at its first subject lookup", async () => {
    await store.createCollection("acme", { name: "older", dimension: 2, distance: "dot" });
    await store.upsert("acme", "older", [{ id: "a", vector: [1, 0], subject: "p" }]);
    await admin.deletePayloadIndex(shared, "rp_subject", { wait: true });
    expect((await admin.getCollection(shared)).payload_schema.rp_subject).toBeUndefined();
    await store.close();
    store = await QdrantVectorStore.connect(options);
    const page = await store.scroll("acme", "older", {
      subject: "p",
      limit: 10,
      withPayload: false,
      withVector: false,
    });
    expect(page.points.map((p) => p.id)).toEqual(["a"]);
    expect((await admin.getCollection(shared)).payload_schema.rp_subject?.data_type).toBe(
      "keyword",
    );
    await admin.deletePayloadIndex(shared, "rp_subject", { wait: true });
    await store.close();
    store = await QdrantVectorStore.connect(options);
    expect(await store.delete("acme", "older", { subject: "p" })).toBe(1);
    expect((await admin.getCollection(shared)).payload_schema.rp_subject?.data_type).toBe(
      "keyword",
    );
  });
});
