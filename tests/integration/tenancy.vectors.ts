import { Code } from "@connectrpc/connect";
import { beforeAll, describe, expect, it } from "vitest";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { rejection } from "../support/errors.js";
import { value } from "../support/values.js";
import { allPages, expectHidden, expectNoTenantName, type Tenants } from "./tenancy.support.js";

/** Unit vectors, so a cosine collection stores them exactly as given. */
const aPoints = [
  { id: "p1", vector: [1, 0, 0], payload: { side: "a", rank: 1 } },
  { id: "p2", vector: [0, 1, 0], payload: { side: "a", rank: 2 } },
  { id: "p3", vector: [0, 0, 1], payload: { side: "a", rank: 3 } },
];
const aIds = aPoints.map((p) => p.id);
const bySide = (side: string) => ({
  must: [{ key: "side", test: { case: "match" as const, value: { value: value(side) } } }],
});

/**
 * VectorsService: tenant B, using tenant A's collection name and point ids, can neither
 * see, read, search, write nor delete A's collection, and its own collection of the same
 * name is separate.
 */
export function describeVectorsIsolation(tenants: Tenants): void {
  describe("VectorsService", () => {
    const collection = `shared-vectors-${tenants.transportName}`;
    const unused = `unused-vectors-${tenants.transportName}`;
    const a = () => tenants.a(VectorsService);
    const b = () => tenants.b(VectorsService);

    /** A's collection as A sees it: description, points with vectors, count and a search. */
    async function aCollection() {
      const [described, got, counted, found] = await Promise.all([
        a().getCollection({ name: collection }),
        a().get({ collection, ids: aIds, withVector: true }),
        a().count({ collection }),
        a().search({ collection, vector: [1, 0.5, 0], limit: 10, withPayload: true }),
      ]);
      return {
        collection: described.collection,
        points: got.points.map((p) => ({ id: p.id, vector: p.vector, payload: p.payload })),
        count: counted.count,
        hits: found.hits.map((hit) => hit.id),
      };
    }

    async function listedBy(client: ReturnType<typeof a>) {
      const all = await allPages(async (pageToken) => {
        const page = await client.listCollections({ pageSize: 10, pageToken });
        return { items: page.collections, nextPageToken: page.nextPageToken };
      });
      return all.map((c) => c.name);
    }

    let aBefore: Awaited<ReturnType<typeof aCollection>>;
    beforeAll(async () => {
      await a().createCollection({ name: collection, dimension: 3, distance: Distance.COSINE });
      await a().upsert({ collection, points: aPoints });
      aBefore = await aCollection();
    });

    it("A's collection holds exactly what A wrote (the baseline later checks compare to)", () => {
      expect(aBefore.collection).toMatchObject({ name: collection, dimension: 3, pointCount: 3n });
      expect(aBefore.points).toEqual(
        aPoints.map((p) => ({ id: p.id, vector: p.vector, payload: p.payload })),
      );
      expect(aBefore.count).toBe(3n);
      expect(aBefore.hits).toEqual(["p1", "p2", "p3"]);
    });

    it("ListCollections of B omits A's collection, which A lists", async () => {
      expect(await listedBy(a())).toContain(collection);
      expect(await listedBy(b())).not.toContain(collection);
    });

    it("every read of A's collection name by B is NOT_FOUND, like an unused name", async () => {
      await expectHidden((name) => b().getCollection({ name }), collection, unused);
      await expectHidden((name) => b().count({ collection: name }), collection, unused);
      await expectHidden(
        (name) => b().search({ collection: name, vector: [1, 0, 0], limit: 10 }),
        collection,
        unused,
      );
      await expectHidden((name) => b().get({ collection: name, ids: aIds }), collection, unused);
      await expectHidden((name) => b().scroll({ collection: name, limit: 10 }), collection, unused);
    });

    it("every write to A's collection name by B is NOT_FOUND, like an unused name, and changes nothing of A's", async () => {
      const intruder = [{ id: "p1", vector: [0, 0, 1], payload: { side: "b" } }];
      await expectHidden(
        (name) => b().upsert({ collection: name, points: intruder }),
        collection,
        unused,
      );
      await expectHidden(
        (name) =>
          b().upsertStream(
            (async function* () {
              yield { collection: name, points: intruder };
            })(),
          ),
        collection,
        unused,
      );
      await expectHidden((name) => b().delete({ collection: name, ids: aIds }), collection, unused);
      await expectHidden(
        (name) => b().delete({ collection: name, filter: bySide("a") }),
        collection,
        unused,
      );
      await expectHidden((name) => b().deleteCollection({ name }), collection, unused);
      const allowed = await b().deleteCollection({ name: collection, allowMissing: true });
      expect(allowed.deleted).toBe(false);
      expect(await aCollection()).toEqual(aBefore);
    });

    it("B's collection of the same name is its own: B's point with A's id shadows nothing of A's", async () => {
      const created = await b().createCollection({
        name: collection,
        dimension: 2,
        distance: Distance.EUCLID,
      });
      expect(created.collection).toMatchObject({ name: collection, dimension: 2, pointCount: 0n });
      const upserted = await b().upsert({
        collection,
        points: [{ id: "p1", vector: [0, 1], payload: { side: "b" } }],
      });
      expect(upserted.upserted).toBe(1);

      const bGot = await b().get({ collection, ids: aIds, withVector: true });
      expect(bGot.points.map((p) => [p.id, p.vector, p.payload])).toEqual([
        ["p1", [0, 1], { side: "b" }],
      ]);
      const bFound = await b().search({ collection, vector: [1, 0], limit: 10, withPayload: true });
      expect(bFound.hits.map((hit) => [hit.id, hit.payload])).toEqual([["p1", { side: "b" }]]);
      const bFiltered = await b().search({
        collection,
        vector: [1, 0],
        limit: 10,
        filter: bySide("a"),
      });
      expect(bFiltered.hits).toEqual([]);
      const bScrolled = await b().scroll({ collection, limit: 10 });
      expect(bScrolled.points.map((p) => p.id)).toEqual(["p1"]);
      expect((await b().count({ collection })).count).toBe(1n);
      expect((await b().getCollection({ name: collection })).collection).toMatchObject({
        dimension: 2,
        distance: Distance.EUCLID,
        pointCount: 1n,
      });
      expect((await listedBy(b())).filter((name) => name === collection)).toHaveLength(1);

      expect(await aCollection()).toEqual(aBefore);
      const again = await rejection(
        b().createCollection({ name: collection, dimension: 2, distance: Distance.EUCLID }),
      );
      expect(again.code).toBe(Code.AlreadyExists);
      expectNoTenantName(again);
    });

    it("B deleting A's point ids and then its same-named collection removes only B's", async () => {
      const deletedPoints = await b().delete({ collection, ids: aIds });
      expect(deletedPoints.deleted).toBe(1n);
      const byFilter = await b().delete({ collection, filter: bySide("a") });
      expect(byFilter.deleted).toBe(0n);
      const deleted = await b().deleteCollection({ name: collection });
      expect(deleted.deleted).toBe(true);
      expect(await aCollection()).toEqual(aBefore);
      expect(await listedBy(a())).toContain(collection);
      expect(await listedBy(b())).not.toContain(collection);
    });
  });
}
