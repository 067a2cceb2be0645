import { randomBytes } from "node:crypto";
import { QdrantClient } from "@qdrant/js-client-rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../cli/run.js";
import { pointIdNamespace, uuidV5 } from "../../clients/vectors/qdrant/ids.js";
import {
  findLegacyCollections,
  legacyTenantKey,
  migrateLegacyCollection,
} from "../../clients/vectors/qdrant/migrate-legacy.js";
import { QdrantVectorStore } from "../../clients/vectors/qdrant/store.js";

/**
 * Migration from the former Qdrant layout (a Qdrant collection per tenant and
 * collection) to the shared one, against a real Qdrant at `QDRANT_URL`.
 */
const url = process.env.QDRANT_URL;
const apiKey = process.env.QDRANT_API_KEY;
const prefix = `m${randomBytes(6).toString("hex")}`;

describe.skipIf(!url)(`Qdrant layout migration (${url ?? "skipped: set QDRANT_URL"})`, () => {
  const options = { url: url ?? "", collectionPrefix: prefix, ...(apiKey ? { apiKey } : {}) };
  let admin: QdrantClient;
  let store: QdrantVectorStore;

  /** A collection as the former layout wrote it, with `points` points of `tenant`. */
  async function legacyCollection(tenant: string, name: string, points: number) {
    const collection = `${prefix}_${legacyTenantKey(tenant)}_${name}`;
    await admin.createCollection(collection, { vectors: { size: 3, distance: "Euclid" } });
    await admin.createPayloadIndex(collection, {
      field_name: "rp_payload.lang",
      field_schema: "keyword",
      wait: true,
    });
    await admin.createPayloadIndex(collection, {
      field_name: "rp_tenant",
      field_schema: { type: "keyword", is_tenant: true },
      wait: true,
    });
    if (points > 0) {
      await admin.upsert(collection, {
        wait: true,
        points: Array.from({ length: points }, (_, i) => ({
          id: uuidV5(JSON.stringify([tenant, `p${i}`]), pointIdNamespace),
          vector: [i, 1, 0],
          payload: { rp_tenant: tenant, rp_id: `p${i}`, rp_payload: { lang: i % 2 ? "en" : "fr" } },
        })),
      });
    }
    return collection;
  }

  beforeAll(async () => {
    admin = new QdrantClient({ ...options, checkCompatibility: false });
    store = await QdrantVectorStore.connect(options);
  });
  afterAll(async () => {
    await store?.close();
    const { collections } = await admin.getCollections();
    await Promise.all(
      collections
        .filter((collection) => collection.name.startsWith(`${prefix}_`))
        .map((collection) => admin.deleteCollection(collection.name)),
    );
  });

  it("copies every legacy collection with its shape, indexes and points, and can run again", async () => {
    await legacyCollection("acme", "docs", 600);
    await legacyCollection("globex", "docs", 3);
    await legacyCollection("quiet", "empty", 0);
    const legacy = await findLegacyCollections(admin, prefix);
    expect(legacy.map((collection) => collection.name).sort()).toEqual(["docs", "docs", "empty"]);

    for (const run of [1, 2]) {
      const outcomes = await Promise.all(
        legacy.map((collection) => migrateLegacyCollection(admin, store, collection, ["quiet"])),
      );
      expect(
        outcomes.map((outcome) => outcome.kind),
        `run ${run}`,
      ).toEqual(["migrated", "migrated", "migrated"]);
    }

    const docs = await store.getCollection("acme", "docs");
    expect(docs).toMatchObject({
      dimension: 3,
      distance: "euclid",
      pointCount: 600,
      payloadIndexes: [{ key: "lang", type: "keyword" }],
    });
    expect((await store.getCollection("globex", "docs")).pointCount).toBe(3);
    expect((await store.getCollection("quiet", "empty")).pointCount).toBe(0);
    const [point] = await store.get("acme", "docs", ["p7"], { withVector: true });
    expect(point).toEqual({ id: "p7", payload: { lang: "en" }, vector: [7, 1, 0] });
  });

  it("runs from the CLI: ragplane qdrant-migrate copies, then deletes the legacy collections", async () => {
    const legacyName = await legacyCollection("cli-tenant", "cli-docs", 5);
    const lines: string[] = [];
    const code = await runCli(
      ["qdrant-migrate", "--prefix", prefix, "--tenants", "quiet", "--delete-legacy"],
      { url: "http://127.0.0.1:1", dataDir: "./data", qdrant: { url: options.url, apiKey } },
      { out: (text) => lines.push(text), err: (text) => lines.push(text) },
    );
    expect(code, lines.join("\n")).toBe(0);
    expect(lines).toContain(`${legacyName}: deleted`);
    expect(await findLegacyCollections(admin, prefix)).toEqual([]);
    expect((await store.getCollection("cli-tenant", "cli-docs")).pointCount).toBe(5);
  });

  it("skips an empty legacy collection whose tenant it cannot know", async () => {
    await legacyCollection("unknown-tenant", "lost", 0);
    const lost = (await findLegacyCollections(admin, prefix)).find((c) => c.name === "lost");
    if (lost === undefined) throw new Error("legacy collection not found");
    expect(await migrateLegacyCollection(admin, store, lost, [])).toMatchObject({
      kind: "skipped",
    });
  });
});
