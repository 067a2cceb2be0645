import { describe, expect, it } from "vitest";
import { AlreadyExistsError, NotFoundError, PreconditionError } from "../../clients/errors.js";
import type { VectorStore } from "../../clients/vectors/port.js";
import { type ContractContext, ids, point, query } from "./vectors.fixtures.js";

/**
 * Collection aliases: second names that every named operation except create and delete
 * resolves to their collection, in one namespace with the collections of a tenant.
 */
export function describeVectorAliases(ctx: ContractContext): void {
  /** Two collections of different shapes, each with one point, so results tell them apart. */
  async function twoCollections(): Promise<void> {
    await ctx.store.createCollection(ctx.tenant, { name: "v1", dimension: 2, distance: "dot" });
    await ctx.store.createCollection(ctx.tenant, { name: "v2", dimension: 3, distance: "dot" });
    await ctx.store.upsert(ctx.tenant, "v1", [point("one", [1, 0], { in: "v1" })]);
    await ctx.store.upsert(ctx.tenant, "v2", [point("two", [0, 1, 0], { in: "v2" })]);
  }

  it("creates an alias, moves it in one step and reports where it pointed before", async () => {
    await twoCollections();
    expect(await ctx.store.putAlias(ctx.tenant, "live", "v1")).toEqual({});
    expect(await ctx.store.getCollection(ctx.tenant, "live")).toMatchObject({
      name: "v1",
      dimension: 2,
      pointCount: 1,
    });
    expect(await ctx.store.putAlias(ctx.tenant, "live", "v2")).toEqual({ previous: "v1" });
    expect(await ctx.store.getCollection(ctx.tenant, "live")).toMatchObject({
      name: "v2",
      dimension: 3,
      pointCount: 1,
    });
    expect(ids(await ctx.store.search(ctx.tenant, "live", query([0, 1, 0])))).toEqual(["two"]);
    expect(await ctx.store.putAlias(ctx.tenant, "live", "v2")).toEqual({ previous: "v2" });
    expect((await ctx.store.listAliases(ctx.tenant, { limit: 10 })).aliases).toEqual([
      { name: "live", collection: "v2" },
    ]);
  });

  it("acts on the aliased collection in every operation that names one", async () => {
    await twoCollections();
    await ctx.store.putAlias(ctx.tenant, "live", "v1");
    expect(
      await ctx.store.upsert(ctx.tenant, "live", [
        point("a", [0, 1], { n: 1 }),
        point("b", [0, 2], { n: 2 }),
      ]),
    ).toBe(2);
    expect(await ctx.store.count(ctx.tenant, "v1")).toBe(3);
    expect(await ctx.store.count(ctx.tenant, "live")).toBe(3);
    expect(await ctx.store.count(ctx.tenant, "live", { must: [{ key: "n", match: 2 }] })).toBe(1);
    const hits = await ctx.store.search(ctx.tenant, "live", query([0, 1], { withPayload: true }));
    expect(hits.map((hit) => [hit.id, hit.payload])).toEqual([
      ["b", { n: 2 }],
      ["a", { n: 1 }],
      ["one", { in: "v1" }],
    ]);
    expect(await ctx.store.get(ctx.tenant, "live", ["a", "two"], { withVector: true })).toEqual([
      { id: "a", payload: { n: 1 }, vector: [0, 1] },
    ]);
    const page = await ctx.store.scroll(ctx.tenant, "live", {
      limit: 2,
      withPayload: false,
      withVector: false,
    });
    expect(page).toEqual({ points: [{ id: "a" }, { id: "b" }], nextAfter: "b" });
    expect(await ctx.store.delete(ctx.tenant, "live", { ids: ["a"] })).toBe(1);
    expect(await ctx.store.delete(ctx.tenant, "live", { filter: { must: [] } })).toBe(2);
    expect(await ctx.store.count(ctx.tenant, "v1")).toBe(0);
    expect(await ctx.store.count(ctx.tenant, "v2")).toBe(1);
  });

  it("checks vectors written through an alias against the aliased collection", async () => {
    await twoCollections();
    await ctx.store.putAlias(ctx.tenant, "live", "v2");
    await expect(ctx.store.upsert(ctx.tenant, "live", [point("x", [1, 0])])).rejects.toBeInstanceOf(
      PreconditionError,
    );
    await expect(ctx.store.search(ctx.tenant, "live", query([1, 0]))).rejects.toBeInstanceOf(
      PreconditionError,
    );
    expect(await ctx.store.count(ctx.tenant, "v2")).toBe(1);
  });

  it("deletes an alias and leaves its collection as it was", async () => {
    await twoCollections();
    await ctx.store.putAlias(ctx.tenant, "live", "v1");
    expect(await ctx.store.deleteAlias(ctx.tenant, "live")).toBe(true);
    expect(await ctx.store.deleteAlias(ctx.tenant, "live")).toBe(false);
    expect(await ctx.store.count(ctx.tenant, "v1")).toBe(1);
    expect((await ctx.store.listAliases(ctx.tenant, { limit: 10 })).aliases).toEqual([]);
    const rejected = ctx.store.count(ctx.tenant, "live");
    await expect(rejected).rejects.toBeInstanceOf(NotFoundError);
    await expect(rejected).rejects.toMatchObject({ kind: "collection", id: "live" });
    await expect(ctx.store.getCollection(ctx.tenant, "live")).rejects.toBeInstanceOf(NotFoundError);
    expect(await ctx.store.deleteAlias(ctx.tenant, "v1")).toBe(false);
    expect(await ctx.store.count(ctx.tenant, "v1")).toBe(1);
  });

  it("lists aliases in name order, a page at a time", async () => {
    await twoCollections();
    for (const name of ["e", "b", "d", "a", "c"]) {
      await ctx.store.putAlias(ctx.tenant, name, name < "c" ? "v1" : "v2");
    }
    const first = await ctx.store.listAliases(ctx.tenant, { limit: 2 });
    expect(first).toEqual({
      aliases: [
        { name: "a", collection: "v1" },
        { name: "b", collection: "v1" },
      ],
      nextAfter: "b",
    });
    const second = await ctx.store.listAliases(ctx.tenant, { limit: 2, after: "b" });
    expect(second.aliases.map((a) => a.name)).toEqual(["c", "d"]);
    expect(second.nextAfter).toBe("d");
    const last = await ctx.store.listAliases(ctx.tenant, { limit: 2, after: "d" });
    expect(last).toEqual({ aliases: [{ name: "e", collection: "v2" }] });
    const all = await ctx.store.listAliases(ctx.tenant, { limit: 5 });
    expect(all.aliases).toHaveLength(5);
    expect(all.nextAfter).toBeUndefined();
    expect(
      (await ctx.store.listCollections(ctx.tenant, { limit: 10 })).collections.map((c) => c.name),
    ).toEqual(["v1", "v2"]);
  });

  describe("one namespace with the collections", () => {
    it("refuses an alias named like a collection with AlreadyExistsError", async () => {
      await twoCollections();
      const rejected = ctx.store.putAlias(ctx.tenant, "v2", "v1");
      await expect(rejected).rejects.toBeInstanceOf(AlreadyExistsError);
      await expect(rejected).rejects.toMatchObject({ kind: "collection", id: "v2" });
      expect(await ctx.store.getCollection(ctx.tenant, "v2")).toMatchObject({ dimension: 3 });
      expect((await ctx.store.listAliases(ctx.tenant, { limit: 10 })).aliases).toEqual([]);
    });

    it("refuses a collection named like an alias with AlreadyExistsError", async () => {
      await twoCollections();
      await ctx.store.putAlias(ctx.tenant, "live", "v1");
      const rejected = ctx.store.createCollection(ctx.tenant, {
        name: "live",
        dimension: 4,
        distance: "euclid",
      });
      await expect(rejected).rejects.toBeInstanceOf(AlreadyExistsError);
      await expect(rejected).rejects.toMatchObject({ kind: "alias", id: "live" });
      expect(await ctx.store.getCollection(ctx.tenant, "live")).toMatchObject({ name: "v1" });
      expect(
        (await ctx.store.listCollections(ctx.tenant, { limit: 10 })).collections.map((c) => c.name),
      ).toEqual(["v1", "v2"]);
    });

    it("points an alias only at an existing collection, never at another alias", async () => {
      await twoCollections();
      const missing = ctx.store.putAlias(ctx.tenant, "live", "v3");
      await expect(missing).rejects.toBeInstanceOf(NotFoundError);
      await expect(missing).rejects.toMatchObject({ kind: "collection", id: "v3" });
      await ctx.store.putAlias(ctx.tenant, "live", "v1");
      const chained = ctx.store.putAlias(ctx.tenant, "second", "live");
      await expect(chained).rejects.toBeInstanceOf(NotFoundError);
      await expect(chained).rejects.toMatchObject({ kind: "collection", id: "live" });
      const moved = ctx.store.putAlias(ctx.tenant, "live", "v3");
      await expect(moved).rejects.toBeInstanceOf(NotFoundError);
      expect((await ctx.store.listAliases(ctx.tenant, { limit: 10 })).aliases).toEqual([
        { name: "live", collection: "v1" },
      ]);
    });
  });

  describe("deleting collections", () => {
    it("refuses to delete an alias as a collection, with FAILED_PRECONDITION on name", async () => {
      await twoCollections();
      await ctx.store.putAlias(ctx.tenant, "live", "v1");
      const rejected = ctx.store.deleteCollection(ctx.tenant, "live");
      await expect(rejected).rejects.toBeInstanceOf(PreconditionError);
      await expect(rejected).rejects.toMatchObject({ field: "name" });
      await expect(rejected).rejects.toThrow(/DeleteAlias/);
      expect(await ctx.store.count(ctx.tenant, "live")).toBe(1);
    });

    it("refuses to delete a collection an alias points to, until the alias moves", async () => {
      await twoCollections();
      await ctx.store.putAlias(ctx.tenant, "live", "v1");
      await ctx.store.putAlias(ctx.tenant, "also", "v1");
      const rejected = ctx.store.deleteCollection(ctx.tenant, "v1");
      await expect(rejected).rejects.toBeInstanceOf(PreconditionError);
      await expect(rejected).rejects.toMatchObject({ field: "name" });
      await expect(rejected).rejects.toThrow(/"also", "live"/);
      expect(await ctx.store.count(ctx.tenant, "v1")).toBe(1);
      await ctx.store.putAlias(ctx.tenant, "live", "v2");
      await expect(ctx.store.deleteCollection(ctx.tenant, "v1")).rejects.toBeInstanceOf(
        PreconditionError,
      );
      await ctx.store.deleteAlias(ctx.tenant, "also");
      expect(await ctx.store.deleteCollection(ctx.tenant, "v1")).toBe(true);
      expect(await ctx.store.count(ctx.tenant, "live")).toBe(1);
    });
  });

  it("keeps each tenant's aliases to itself", async () => {
    await twoCollections();
    await ctx.store.putAlias(ctx.tenant, "live", "v1");
    const other = ctx.otherTenant;
    expect((await ctx.store.listAliases(other, { limit: 10 })).aliases).toEqual([]);
    await expect(ctx.store.count(other, "live")).rejects.toBeInstanceOf(NotFoundError);
    await expect(ctx.store.getCollection(other, "live")).rejects.toBeInstanceOf(NotFoundError);
    await expect(ctx.store.putAlias(other, "mine", "v1")).rejects.toBeInstanceOf(NotFoundError);
    expect(await ctx.store.deleteAlias(other, "live")).toBe(false);
    await ctx.store.createCollection(other, { name: "live", dimension: 2, distance: "dot" });
    await ctx.store.createCollection(other, { name: "v1", dimension: 2, distance: "dot" });
    await ctx.store.putAlias(other, "v2", "v1");
    expect(await ctx.store.count(other, "live")).toBe(0);
    expect(await ctx.store.count(ctx.tenant, "live")).toBe(1);
    expect((await ctx.store.getCollection(ctx.tenant, "v2")).dimension).toBe(3);
    expect(await ctx.store.deleteCollection(other, "live")).toBe(true);
    expect((await ctx.store.listAliases(ctx.tenant, { limit: 10 })).aliases).toEqual([
      { name: "live", collection: "v1" },
    ]);
    expect((await ctx.store.listAliases(other, { limit: 10 })).aliases).toEqual([
      { name: "v2", collection: "v1" },
    ]);
  });

  it("keeps aliases across close and reopen", async () => {
    await twoCollections();
    await ctx.store.putAlias(ctx.tenant, "live", "v1");
    await ctx.store.putAlias(ctx.tenant, "live", "v2");
    await ctx.store.putAlias(ctx.tenant, "old", "v1");
    await ctx.store.deleteAlias(ctx.tenant, "old");
    const store: VectorStore = await ctx.reopen();
    expect((await store.listAliases(ctx.tenant, { limit: 10 })).aliases).toEqual([
      { name: "live", collection: "v2" },
    ]);
    expect(ids(await store.search(ctx.tenant, "live", query([0, 1, 0])))).toEqual(["two"]);
    await expect(store.deleteCollection(ctx.tenant, "v2")).rejects.toBeInstanceOf(
      PreconditionError,
    );
    await expect(
      store.createCollection(ctx.tenant, { name: "live", dimension: 2, distance: "dot" }),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
  });
}
