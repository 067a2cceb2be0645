import { randomBytes } from "node:crypto";
import { QdrantClient } from "@qdrant/js-client-rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError, PreconditionError } from "../../clients/errors.js";
import { catalogRecordUuid } from "../../clients/vectors/qdrant/ids.js";
import { catalogCollectionName } from "../../clients/vectors/qdrant/layout.js";
import { QdrantVectorStore } from "../../clients/vectors/qdrant/store.js";

/**
 * Aliases on a real Qdrant at `QDRANT_URL`, beyond the contract: how two replicas (two
 * stores on one Qdrant) see each other's alias moves, what concurrent writes of one name
 * or of an alias and its collection leave behind, and how an alias left pointing at
 * nothing is reported.
 */
const url = process.env.QDRANT_URL;
const apiKey = process.env.QDRANT_API_KEY;
const prefix = `a${randomBytes(6).toString("hex")}`;
const cacheMs = 400;
const rounds = 8;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!url)(`Qdrant aliases (${url ?? "skipped: set QDRANT_URL"})`, () => {
  const options = { url: url ?? "", collectionPrefix: prefix, ...(apiKey ? { apiKey } : {}) };
  let one: QdrantVectorStore;
  let two: QdrantVectorStore;
  let admin: QdrantClient;
  let tenant = "";
  let serial = 0;

  beforeAll(async () => {
    one = await QdrantVectorStore.connect({ ...options, shapeCacheMs: cacheMs });
    two = await QdrantVectorStore.connect({ ...options, shapeCacheMs: cacheMs });
    admin = new QdrantClient({ ...options, checkCompatibility: false });
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    const { collections } = await admin.getCollections();
    const ours = collections.filter((c) => c.name.startsWith(`${prefix}_`));
    await Promise.all(ours.map((c) => admin.deleteCollection(c.name)));
  });

  const freshTenant = () => {
    serial += 1;
    tenant = `tenant-${serial}-${randomBytes(4).toString("hex")}`;
    return tenant;
  };
  const collectionBehind = async (store: QdrantVectorStore, name: string) =>
    (
      await store.search(tenant, name, {
        vector: [1, 0],
        limit: 1,
        withPayload: true,
        withVector: false,
        exact: true,
      })
    ).map((hit) => hit.payload?.in);

  it("sees a move by another replica within the shape cache's lifetime, its own at once", async () => {
    freshTenant();
    for (const name of ["v1", "v2"]) {
      await one.createCollection(tenant, { name, dimension: 2, distance: "dot" });
      await one.upsert(tenant, name, [{ id: "p", vector: [1, 0], payload: { in: name } }]);
    }
    await one.putAlias(tenant, "live", "v1");
    expect(await collectionBehind(two, "live")).toEqual(["v1"]);
    await one.putAlias(tenant, "live", "v2");
    expect(await collectionBehind(one, "live")).toEqual(["v2"]);
    expect((await two.getCollection(tenant, "live")).name).toBe("v2");
    await two.putAlias(tenant, "live", "v1");
    expect(await collectionBehind(two, "live")).toEqual(["v1"]);
    await pause(cacheMs + 100);
    expect(await collectionBehind(one, "live")).toEqual(["v1"]);
  });

  it("lets exactly one of a create and a PutAlias of the same name win, however they interleave", async () => {
    freshTenant();
    await one.createCollection(tenant, { name: "target", dimension: 2, distance: "dot" });
    for (let round = 0; round < rounds; round++) {
      const name = `name-${round}`;
      const [created, aliased] = await Promise.allSettled([
        one.createCollection(tenant, { name, dimension: 3, distance: "dot" }),
        pause(round * 3).then(() => two.putAlias(tenant, name, "target")),
      ]);
      expect([created.status, aliased.status].filter((s) => s === "fulfilled")).toHaveLength(1);
      const described = await one.getCollection(tenant, name);
      expect(described.name).toBe(created.status === "fulfilled" ? name : "target");
      const aliases = (await one.listAliases(tenant, { limit: 100 })).aliases;
      expect(aliases.some((alias) => alias.name === name)).toBe(aliased.status === "fulfilled");
    }
  });

  it("never leaves an alias put while its collection is deleted pointing at nothing", async () => {
    freshTenant();
    for (let round = 0; round < rounds; round++) {
      const collection = `c-${round}`;
      const alias = `a-${round}`;
      await one.createCollection(tenant, { name: collection, dimension: 2, distance: "dot" });
      const [aliased, deleted] = await Promise.allSettled([
        one.putAlias(tenant, alias, collection),
        two.deleteCollection(tenant, collection),
      ]);
      if (aliased.status === "fulfilled") {
        expect(deleted.status).toBe("rejected");
        expect(deleted.status === "rejected" && deleted.reason).toBeInstanceOf(PreconditionError);
      } else {
        expect(aliased.reason).toBeInstanceOf(NotFoundError);
      }
      const listed = (await one.listAliases(tenant, { limit: 100 })).aliases;
      const collections = (await one.listCollections(tenant, { limit: 100 })).collections;
      for (const { collection: target } of listed) {
        expect(collections.map((c) => c.name)).toContain(target);
      }
      expect(collections.some((c) => c.name === collection)).toBe(deleted.status === "rejected");
    }
  });

  it("reports requests through an alias whose collection record is gone as NOT_FOUND for that collection", async () => {
    freshTenant();
    await one.createCollection(tenant, { name: "v1", dimension: 2, distance: "dot" });
    await one.createCollection(tenant, { name: "v2", dimension: 2, distance: "dot" });
    await one.putAlias(tenant, "live", "v1");
    await admin.delete(catalogCollectionName(prefix), {
      wait: true,
      points: [catalogRecordUuid(tenant, "v1")],
    });
    const rejected = two.count(tenant, "live");
    await expect(rejected).rejects.toBeInstanceOf(NotFoundError);
    await expect(rejected).rejects.toMatchObject({ kind: "collection", id: "v1" });
    await expect(two.getCollection(tenant, "live")).rejects.toMatchObject({ id: "v1" });
    expect((await two.listAliases(tenant, { limit: 10 })).aliases).toEqual([
      { name: "live", collection: "v1" },
    ]);
    expect(await two.putAlias(tenant, "live", "v2")).toEqual({ previous: "v1" });
    expect((await two.getCollection(tenant, "live")).name).toBe("v2");
    expect(await two.deleteAlias(tenant, "live")).toBe(true);
  });
});
