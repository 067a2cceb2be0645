import { expect, it } from "vitest";
import { PreconditionError } from "../../clients/errors.js";
import { type ContractContext, ids, point, query } from "./vectors.fixtures.js";

/** Point writes and reads: upsert, get, re-upsert, rejected batches, delete, scroll. */
export function describeVectorPoints(ctx: ContractContext): void {
  const create = () =>
    ctx.store.createCollection(ctx.tenant, { name: "docs", dimension: 3, distance: "dot" });

  it("upserts points and gets them back in request order, leaving out missing ids", async () => {
    await create();
    const written = await ctx.store.upsert(ctx.tenant, "docs", [
      point("a", [1, 2, 3], { lang: "en", n: 1 }),
      point("b", [4, 5, 6], { nested: { ok: true, list: [1, "x"] } }),
      point("c", [7, 8, 9]),
    ]);
    expect(written).toBe(3);
    const got = await ctx.store.get(ctx.tenant, "docs", ["c", "missing", "a"], {
      withVector: true,
    });
    expect(got).toEqual([
      { id: "c", payload: {}, vector: [7, 8, 9] },
      { id: "a", payload: { lang: "en", n: 1 }, vector: [1, 2, 3] },
    ]);
    const withoutVectors = await ctx.store.get(ctx.tenant, "docs", ["b"], { withVector: false });
    expect(withoutVectors).toEqual([
      { id: "b", payload: { nested: { ok: true, list: [1, "x"] } } },
    ]);
  });

  it("replaces a point's vector and whole payload on re-upsert", async () => {
    await create();
    await ctx.store.upsert(ctx.tenant, "docs", [point("a", [1, 0, 0], { keep: 1, drop: 2 })]);
    await ctx.store.upsert(ctx.tenant, "docs", [point("a", [0, 0, 5], { keep: 3 })]);
    expect(await ctx.store.get(ctx.tenant, "docs", ["a"], { withVector: true })).toEqual([
      { id: "a", payload: { keep: 3 }, vector: [0, 0, 5] },
    ]);
    expect(await ctx.store.count(ctx.tenant, "docs")).toBe(1);
    const hits = await ctx.store.search(ctx.tenant, "docs", query([0, 0, 1]));
    expect(hits.map((h) => [h.id, h.score])).toEqual([["a", 5]]);
  });

  it("rejects a batch with a wrong-dimension vector whole, naming the point", async () => {
    await create();
    await ctx.store.upsert(ctx.tenant, "docs", [point("keep", [1, 1, 1], { v: 1 })]);
    const batch = [
      point("keep", [2, 2, 2], { v: 2 }),
      point("new", [1, 2, 3]),
      point("bad", [1, 2]),
    ];
    const rejected = ctx.store.upsert(ctx.tenant, "docs", batch);
    await expect(rejected).rejects.toBeInstanceOf(PreconditionError);
    await expect(rejected).rejects.toMatchObject({ field: "points[2].vector" });
    expect(await ctx.store.count(ctx.tenant, "docs")).toBe(1);
    expect(await ctx.store.get(ctx.tenant, "docs", ["keep", "new"], { withVector: true })).toEqual([
      { id: "keep", payload: { v: 1 }, vector: [1, 1, 1] },
    ]);
    const hits = await ctx.store.search(ctx.tenant, "docs", query([1, 2, 3]));
    expect(ids(hits)).toEqual(["keep"]);
  });

  it("rejects a query vector of the wrong dimension with PreconditionError", async () => {
    await create();
    await expect(ctx.store.search(ctx.tenant, "docs", query([1, 2]))).rejects.toBeInstanceOf(
      PreconditionError,
    );
  });

  it("deletes points by id, counting only those that existed", async () => {
    await create();
    await ctx.store.upsert(ctx.tenant, "docs", [
      point("a", [1, 0, 0]),
      point("b", [0, 1, 0]),
      point("c", [0, 0, 1]),
    ]);
    expect(await ctx.store.delete(ctx.tenant, "docs", { ids: ["a", "c", "zzz"] })).toBe(2);
    expect(await ctx.store.delete(ctx.tenant, "docs", { ids: ["a"] })).toBe(0);
    expect(await ctx.store.count(ctx.tenant, "docs")).toBe(1);
    expect(
      ids(await ctx.store.get(ctx.tenant, "docs", ["a", "b", "c"], { withVector: false })),
    ).toEqual(["b"]);
    const hits = await ctx.store.search(ctx.tenant, "docs", query([1, 1, 1]));
    expect(ids(hits)).toEqual(["b"]);
  });

  it("scrolls through every point exactly once, a page at a time", async () => {
    await create();
    const all = Array.from({ length: 25 }, (_, i) =>
      point(`p${String(i).padStart(2, "0")}`, [i, 1, 0], { i, even: i % 2 === 0 }),
    );
    await ctx.store.upsert(ctx.tenant, "docs", all);
    const seen: string[] = [];
    const sizes: number[] = [];
    let after: string | undefined;
    do {
      const page = await ctx.store.scroll(ctx.tenant, "docs", {
        limit: 10,
        withPayload: true,
        withVector: false,
        ...(after === undefined ? {} : { after }),
      });
      sizes.push(page.points.length);
      for (const p of page.points) {
        expect(p.payload).toEqual({
          i: Number(p.id.slice(1)),
          even: Number(p.id.slice(1)) % 2 === 0,
        });
        expect(p.vector).toBeUndefined();
      }
      seen.push(...ids(page.points));
      after = page.nextAfter;
    } while (after !== undefined);
    expect(sizes).toEqual([10, 10, 5]);
    expect([...seen].sort()).toEqual(all.map((p) => p.id));
    expect(new Set(seen).size).toBe(25);
  });

  it("scrolls only the points matching a filter, with vectors when asked", async () => {
    await create();
    await ctx.store.upsert(
      ctx.tenant,
      "docs",
      Array.from({ length: 9 }, (_, i) => point(`p${i}`, [i, 0, 1], { even: i % 2 === 0 })),
    );
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await ctx.store.scroll(ctx.tenant, "docs", {
        filter: { must: [{ key: "even", match: true }] },
        limit: 2,
        withPayload: false,
        withVector: true,
        ...(after === undefined ? {} : { after }),
      });
      expect(page.points.length).toBeLessThanOrEqual(2);
      for (const p of page.points) {
        expect(p.payload).toBeUndefined();
        expect(p.vector).toEqual([Number(p.id.slice(1)), 0, 1]);
      }
      seen.push(...ids(page.points));
      after = page.nextAfter;
    } while (after !== undefined);
    expect([...seen].sort()).toEqual(["p0", "p2", "p4", "p6", "p8"]);
  });
}
