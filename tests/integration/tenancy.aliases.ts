import { Code } from "@connectrpc/connect";
import { beforeAll, describe, expect, it } from "vitest";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { rejection } from "../support/errors.js";
import { allPages, expectHidden, expectNoTenantName, type Tenants } from "./tenancy.support.js";

/**
 * Collection aliases: tenant B can neither list, resolve, move nor delete tenant A's
 * aliases, nor point an alias of its own at A's collection; every such attempt is
 * NOT_FOUND exactly as for a name nobody uses, and B's aliases of the same names are its
 * own.
 */
export function describeAliasesIsolation(tenants: Tenants): void {
  describe("VectorsService aliases", () => {
    const collection = `aliased-${tenants.transportName}`;
    const alias = `alias-${tenants.transportName}`;
    const unused = `unused-alias-${tenants.transportName}`;
    const a = () => tenants.a(VectorsService);
    const b = () => tenants.b(VectorsService);

    const aliasesOf = async (client: ReturnType<typeof a>) =>
      allPages(async (pageToken) => {
        const page = await client.listAliases({ pageSize: 10, pageToken });
        return { items: page.aliases, nextPageToken: page.nextPageToken };
      });
    /** A's alias as A sees it: where it points and what a search through it finds. */
    const aThroughAlias = async () => ({
      aliases: (await aliasesOf(a())).filter((entry) => entry.name === alias),
      collection: (await a().getCollection({ name: alias })).collection?.name,
      count: (await a().count({ collection: alias })).count,
    });

    beforeAll(async () => {
      await a().createCollection({ name: collection, dimension: 2, distance: Distance.DOT });
      await a().upsert({ collection, points: [{ id: "p1", vector: [1, 0] }] });
      await a().putAlias({ alias, collection });
    });

    it("ListAliases of B omits A's alias, which A lists", async () => {
      expect(await aThroughAlias()).toMatchObject({
        aliases: [{ name: alias, collection }],
        collection,
        count: 1n,
      });
      expect((await aliasesOf(b())).map((entry) => entry.name)).not.toContain(alias);
    });

    it("every request of B through A's alias is NOT_FOUND, like an unused name", async () => {
      await expectHidden((name) => b().getCollection({ name }), alias, unused);
      await expectHidden((name) => b().count({ collection: name }), alias, unused);
      await expectHidden(
        (name) => b().search({ collection: name, vector: [1, 0], limit: 10 }),
        alias,
        unused,
      );
      await expectHidden((name) => b().get({ collection: name, ids: ["p1"] }), alias, unused);
      await expectHidden((name) => b().scroll({ collection: name, limit: 10 }), alias, unused);
      await expectHidden(
        (name) => b().upsert({ collection: name, points: [{ id: "p1", vector: [0, 1] }] }),
        alias,
        unused,
      );
      await expectHidden((name) => b().delete({ collection: name, ids: ["p1"] }), alias, unused);
    });

    it("B can neither delete A's alias (as an alias or a collection) nor alias A's collection", async () => {
      await expectHidden((name) => b().deleteAlias({ alias: name }), alias, unused);
      await expectHidden((name) => b().deleteCollection({ name }), alias, unused);
      await expectHidden(
        (name) => b().putAlias({ alias: unused, collection: name }),
        collection,
        `${unused}-c`,
      );
      const allowed = await b().deleteAlias({ alias, allowMissing: true });
      expect(allowed.deleted).toBe(false);
      expect(await aThroughAlias()).toMatchObject({ collection, count: 1n });
    });

    it("B's aliases and collections of A's names are its own and leave A's alias as it was", async () => {
      const own = `own-${tenants.transportName}`;
      await b().createCollection({ name: own, dimension: 3, distance: Distance.DOT });
      const put = await b().putAlias({ alias, collection: own });
      expect(put.previousCollection).toBe("");
      expect((await b().getCollection({ name: alias })).collection?.name).toBe(own);
      expect(await aThroughAlias()).toMatchObject({ collection, count: 1n });
      expect((await b().deleteAlias({ alias })).deleted).toBe(true);
      await b().createCollection({ name: alias, dimension: 2, distance: Distance.DOT });
      const named = await b().putAlias({ alias: collection, collection: alias });
      expect(named.alias).toMatchObject({ name: collection, collection: alias });
      const held = await rejection(
        b().createCollection({ name: collection, dimension: 2, distance: Distance.DOT }),
      );
      expect(held.code).toBe(Code.AlreadyExists);
      expectNoTenantName(held);
      expect((await b().deleteAlias({ alias: collection })).deleted).toBe(true);
      expect((await b().deleteCollection({ name: alias })).deleted).toBe(true);
      expect((await b().deleteCollection({ name: own })).deleted).toBe(true);
      expect(await aThroughAlias()).toMatchObject({
        aliases: [{ name: alias, collection }],
        collection,
        count: 1n,
      });
    });
  });
}
