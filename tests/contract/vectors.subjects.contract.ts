import { expect, it } from "vitest";
import type { PointInput } from "../../clients/vectors/port.js";
import { type ContractContext, ids, point, query } from "./vectors.fixtures.js";

/** A point literal with a data subject. */
function ofSubject(subject: string, id: string, vector: number[], payload = {}): PointInput {
  return { ...point(id, vector, payload), subject };
}

/** Data subjects on points (round trips, scroll and delete by subject) and sensitive fields. */
export function describeVectorSubjects(ctx: ContractContext): void {
  it("returns a point's subject on get, search and scroll, never inside its payload", async () => {
    await ctx.store.createCollection(ctx.tenant, { name: "docs", dimension: 2, distance: "dot" });
    await ctx.store.upsert(ctx.tenant, "docs", [
      ofSubject("person-1", "a", [1, 0], { n: 1 }),
      point("b", [0, 1], { n: 2 }),
      { ...point("c", [1, 1], { n: 3 }), subject: "" },
    ]);
    expect(await ctx.store.get(ctx.tenant, "docs", ["a", "b", "c"], { withVector: false })).toEqual(
      [
        { id: "a", payload: { n: 1 }, subject: "person-1" },
        { id: "b", payload: { n: 2 } },
        { id: "c", payload: { n: 3 } },
      ],
    );
    const hits = await ctx.store.search(
      ctx.tenant,
      "docs",
      query([1, 0.5], { withPayload: true, exact: true }),
    );
    expect(hits.map((h) => [h.id, h.subject, h.payload])).toEqual([
      ["c", undefined, { n: 3 }],
      ["a", "person-1", { n: 1 }],
      ["b", undefined, { n: 2 }],
    ]);
    const bare = await ctx.store.search(ctx.tenant, "docs", query([1, 0], { exact: true }));
    expect(bare.map((h) => h.subject)).toEqual([undefined, undefined, undefined]);
    const page = await ctx.store.scroll(ctx.tenant, "docs", {
      limit: 10,
      withPayload: true,
      withVector: false,
    });
    expect(page.points).toEqual([
      { id: "a", payload: { n: 1 }, subject: "person-1" },
      { id: "b", payload: { n: 2 } },
      { id: "c", payload: { n: 3 } },
    ]);
  });

  it("rewriting a point replaces its subject, and drops it when the rewrite has none", async () => {
    await ctx.store.createCollection(ctx.tenant, { name: "docs", dimension: 2, distance: "dot" });
    await ctx.store.upsert(ctx.tenant, "docs", [
      ofSubject("p1", "a", [1, 0]),
      ofSubject("p1", "b", [0, 1]),
    ]);
    await ctx.store.upsert(ctx.tenant, "docs", [ofSubject("p2", "a", [1, 0]), point("b", [0, 1])]);
    const got = await ctx.store.get(ctx.tenant, "docs", ["a", "b"], { withVector: false });
    expect(got.map((p) => [p.id, p.subject])).toEqual([
      ["a", "p2"],
      ["b", undefined],
    ]);
    const ofP1 = await ctx.store.scroll(ctx.tenant, "docs", {
      subject: "p1",
      limit: 10,
      withPayload: false,
      withVector: false,
    });
    expect(ofP1.points).toEqual([]);
  });

  it("scrolls one subject's points in id order, a page at a time, combined with a filter", async () => {
    await ctx.store.createCollection(ctx.tenant, { name: "docs", dimension: 2, distance: "dot" });
    const mine = ["k", "c", "x", "a", "m"].map((id, i) =>
      ofSubject("person-1", id, [1, i], { even: i % 2 === 0 }),
    );
    await ctx.store.upsert(ctx.tenant, "docs", [
      ...mine,
      ofSubject("person-2", "b", [0, 1], { even: true }),
      point("d", [0, 1], { even: true }),
    ]);
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await ctx.store.scroll(ctx.tenant, "docs", {
        subject: "person-1",
        limit: 2,
        withPayload: true,
        withVector: false,
        ...(after === undefined ? {} : { after }),
      });
      expect(page.points.every((p) => p.subject === "person-1")).toBe(true);
      seen.push(...ids(page.points));
      after = page.nextAfter;
      if (after === undefined) break;
    }
    expect(seen).toEqual(["a", "c", "k", "m", "x"]);
    const even = await ctx.store.scroll(ctx.tenant, "docs", {
      subject: "person-1",
      filter: { must: [{ key: "even", match: true }] },
      limit: 10,
      withPayload: false,
      withVector: false,
    });
    expect(ids(even.points)).toEqual(["k", "m", "x"]);
    const none = await ctx.store.scroll(ctx.tenant, "docs", {
      subject: "nobody",
      limit: 10,
      withPayload: false,
      withVector: false,
    });
    expect(none).toEqual({ points: [] });
  });

  it("deletes exactly one subject's points of one collection, not of others or other tenants", async () => {
    for (const tenant of [ctx.tenant, ctx.otherTenant]) {
      for (const name of ["docs", "notes"]) {
        await ctx.store.createCollection(tenant, { name, dimension: 2, distance: "dot" });
        await ctx.store.upsert(tenant, name, [
          ofSubject("person-1", "a", [1, 0]),
          ofSubject("person-1", "b", [0, 1]),
          ofSubject("person-2", "c", [1, 1]),
          point("d", [1, 2]),
        ]);
      }
    }
    expect(await ctx.store.delete(ctx.tenant, "docs", { subject: "person-1" })).toBe(2);
    const left = await ctx.store.scroll(ctx.tenant, "docs", {
      limit: 10,
      withPayload: true,
      withVector: false,
    });
    expect(left.points.map((p) => [p.id, p.subject])).toEqual([
      ["c", "person-2"],
      ["d", undefined],
    ]);
    const hits = await ctx.store.search(ctx.tenant, "docs", query([1, 0], { exact: true }));
    expect(ids(hits).sort()).toEqual(["c", "d"]);
    expect(await ctx.store.count(ctx.tenant, "notes")).toBe(4);
    expect(await ctx.store.count(ctx.otherTenant, "docs")).toBe(4);
    expect(await ctx.store.count(ctx.otherTenant, "notes")).toBe(4);
    expect(await ctx.store.delete(ctx.tenant, "docs", { subject: "person-1" })).toBe(0);
    expect(await ctx.store.delete(ctx.tenant, "docs", { subject: "nobody" })).toBe(0);
    await ctx.store.putAlias(ctx.tenant, "current", "notes");
    expect(await ctx.store.delete(ctx.tenant, "current", { subject: "person-2" })).toBe(1);
    expect(await ctx.store.count(ctx.tenant, "notes")).toBe(3);
  });

  it("stores a collection's sensitive fields, lists and describes them, across reopen", async () => {
    const created = await ctx.store.createCollection(ctx.tenant, {
      name: "people",
      dimension: 2,
      distance: "cosine",
      sensitiveFields: ["ssn", "address"],
    });
    expect(created.sensitiveFields).toEqual(["ssn", "address"]);
    const plain = await ctx.store.createCollection(ctx.tenant, {
      name: "plain",
      dimension: 2,
      distance: "cosine",
    });
    expect(plain.sensitiveFields).toEqual([]);
    await ctx.store.putAlias(ctx.tenant, "folks", "people");
    expect((await ctx.store.getCollection(ctx.tenant, "folks")).sensitiveFields).toEqual([
      "ssn",
      "address",
    ]);
    const listed = await ctx.store.listCollections(ctx.tenant, { limit: 10 });
    expect(listed.collections.map((c) => [c.name, c.sensitiveFields])).toEqual([
      ["people", ["ssn", "address"]],
      ["plain", []],
    ]);
    expect((await ctx.store.setMaxAge(ctx.tenant, "people", 60_000)).sensitiveFields).toEqual([
      "ssn",
      "address",
    ]);
    await ctx.store.upsert(ctx.tenant, "people", [ofSubject("person-1", "a", [1, 0])]);
    await ctx.reopen();
    expect((await ctx.store.getCollection(ctx.tenant, "people")).sensitiveFields).toEqual([
      "ssn",
      "address",
    ]);
    const got = await ctx.store.get(ctx.tenant, "people", ["a"], { withVector: false });
    expect(got).toEqual([{ id: "a", payload: {}, subject: "person-1" }]);
    expect(await ctx.store.delete(ctx.tenant, "people", { subject: "person-1" })).toBe(1);
  });
}
