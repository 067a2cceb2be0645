import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import { NotFoundError } from "../../clients/errors.js";
import type { VectorStore } from "../../clients/vectors/port.js";
import { type ContractContext, ids, point } from "./vectors.fixtures.js";

/** The ids left in a collection, in id order. */
async function remaining(store: VectorStore, tenant: string, collection: string) {
  const page = await store.scroll(tenant, collection, {
    limit: 100,
    withPayload: true,
    withVector: false,
  });
  return ids(page.points);
}

/** A time strictly between the writes before and after it. */
async function pause(): Promise<number> {
  await sleep(25);
  const at = Date.now();
  await sleep(25);
  return at;
}

/** Maximum ages of collections, write times of points, and deletes by write time. */
export function describeVectorRetention(ctx: ContractContext): void {
  it("stores a collection's maximum age, reports it, changes it and clears it", async () => {
    const created = await ctx.store.createCollection(ctx.tenant, {
      name: "docs",
      dimension: 2,
      distance: "cosine",
      maxAgeMs: 60_000,
    });
    expect(created.maxAgeMs).toBe(60_000);
    expect((await ctx.store.getCollection(ctx.tenant, "docs")).maxAgeMs).toBe(60_000);
    await ctx.store.putAlias(ctx.tenant, "current", "docs");
    const changed = await ctx.store.setMaxAge(ctx.tenant, "current", 5_000);
    expect(changed).toMatchObject({ name: "docs", dimension: 2, maxAgeMs: 5_000 });
    const listed = await ctx.store.listCollections(ctx.tenant, { limit: 10 });
    expect(listed.collections.map((c) => c.maxAgeMs)).toEqual([5_000]);
    const all = await ctx.store.listMaxAges();
    expect(all.filter((entry) => entry.tenant === ctx.tenant)).toEqual([
      { tenant: ctx.tenant, collection: "docs", maxAgeMs: 5_000 },
    ]);
    await ctx.reopen();
    expect((await ctx.store.getCollection(ctx.tenant, "docs")).maxAgeMs).toBe(5_000);
    const cleared = await ctx.store.setMaxAge(ctx.tenant, "docs", undefined);
    expect(cleared.maxAgeMs).toBeUndefined();
    expect((await ctx.store.getCollection(ctx.tenant, "docs")).maxAgeMs).toBeUndefined();
    const after = await ctx.store.listMaxAges();
    expect(after.filter((entry) => entry.tenant === ctx.tenant)).toEqual([]);
  });

  it("a collection created without a maximum age keeps its points forever", async () => {
    const created = await ctx.store.createCollection(ctx.tenant, {
      name: "docs",
      dimension: 2,
      distance: "dot",
    });
    expect(created.maxAgeMs).toBeUndefined();
    expect((await ctx.store.listMaxAges()).some((e) => e.tenant === ctx.tenant)).toBe(false);
  });

  it("deletes points written before a time, at most a batch at a time, oldest first", async () => {
    await ctx.store.createCollection(ctx.tenant, { name: "docs", dimension: 2, distance: "dot" });
    await ctx.store.upsert(ctx.tenant, "docs", [point("a", [1, 0]), point("b", [0, 1])]);
    await ctx.store.upsert(ctx.tenant, "docs", [point("c", [1, 1])]);
    const cutoff = await pause();
    await ctx.store.upsert(ctx.tenant, "docs", [point("d", [1, 0], { lang: "en" })]);
    expect(await ctx.store.deleteWrittenBefore(ctx.tenant, "docs", cutoff, 2)).toBe(2);
    expect(await ctx.store.deleteWrittenBefore(ctx.tenant, "docs", cutoff, 2)).toBe(1);
    expect(await ctx.store.deleteWrittenBefore(ctx.tenant, "docs", cutoff, 2)).toBe(0);
    expect(await remaining(ctx.store, ctx.tenant, "docs")).toEqual(["d"]);
    expect(
      (await ctx.store.get(ctx.tenant, "docs", ["d"], { withVector: false }))[0]?.payload,
    ).toEqual({ lang: "en" });
  });

  it("a rewritten point takes the time of its last write", async () => {
    await ctx.store.createCollection(ctx.tenant, { name: "docs", dimension: 2, distance: "dot" });
    await ctx.store.upsert(ctx.tenant, "docs", [point("a", [1, 0]), point("b", [0, 1])]);
    const cutoff = await pause();
    await ctx.store.upsert(ctx.tenant, "docs", [point("a", [1, 1])]);
    expect(await ctx.store.deleteWrittenBefore(ctx.tenant, "docs", cutoff, 10)).toBe(1);
    expect(await remaining(ctx.store, ctx.tenant, "docs")).toEqual(["a"]);
    expect(await ctx.store.count(ctx.tenant, "docs")).toBe(1);
  });

  it("deletes only in the named collection of the named tenant, also through an alias", async () => {
    for (const tenant of [ctx.tenant, ctx.otherTenant]) {
      for (const name of ["docs", "notes"]) {
        await ctx.store.createCollection(tenant, { name, dimension: 2, distance: "dot" });
        await ctx.store.upsert(tenant, name, [point("a", [1, 0])]);
      }
    }
    await ctx.store.putAlias(ctx.tenant, "current", "docs");
    const cutoff = await pause();
    expect(await ctx.store.deleteWrittenBefore(ctx.tenant, "current", cutoff, 10)).toBe(1);
    expect(await remaining(ctx.store, ctx.tenant, "docs")).toEqual([]);
    expect(await remaining(ctx.store, ctx.tenant, "notes")).toEqual(["a"]);
    expect(await remaining(ctx.store, ctx.otherTenant, "docs")).toEqual(["a"]);
  });

  it("refuses an unknown collection with NotFoundError", async () => {
    await expect(ctx.store.setMaxAge(ctx.tenant, "nope", 1_000)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(
      ctx.store.deleteWrittenBefore(ctx.tenant, "nope", Date.now(), 10),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
}
