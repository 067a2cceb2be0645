import { describe, expect, it } from "vitest";
import {
  AlreadyExistsError,
  CancelledError,
  EngineUnavailableError,
  NotFoundError,
} from "../../clients/errors.js";
import { defaultIndexSettings } from "../../clients/vectors/port.js";
import { describeVectorAliases } from "./vectors.aliases.contract.js";
import { describeVectorFilters } from "./vectors.filters.contract.js";
import {
  type ContractContext,
  type OpenVectorStore,
  point,
  query,
  useContractContext,
} from "./vectors.fixtures.js";
import { describeVectorPoints } from "./vectors.points.contract.js";
import { describeVectorRetention } from "./vectors.retention.contract.js";
import { describeVectorSearch } from "./vectors.search.contract.js";
import { describeVectorSubjects } from "./vectors.subjects.contract.js";

export type { OpenVectorStore, VectorStoreHarness } from "./vectors.fixtures.js";

/**
 * The one contract every `VectorStore` adapter passes. `open` gives a fresh harness per
 * test; each test works in its own random tenants, so an engine may be shared between
 * runs. Only API-level behaviour is asserted, never how an engine stores things.
 */
export function describeVectorStoreContract(label: string, open: OpenVectorStore): void {
  describe(`VectorStore contract: ${label}`, () => {
    const ctx = useContractContext(open);
    describeCollections(ctx);
    describe("points", () => describeVectorPoints(ctx));
    describe("search", () => describeVectorSearch(ctx));
    describe("filters", () => describeVectorFilters(ctx));
    describe("aliases", () => describeVectorAliases(ctx));
    describe("retention", () => describeVectorRetention(ctx));
    describe("subjects and sensitive fields", () => describeVectorSubjects(ctx));
    describeTenancy(ctx);
    describeLifecycle(ctx);
  });
}

function describeCollections(ctx: ContractContext): void {
  describe("collections", () => {
    it("creates a collection and describes it with its point count", async () => {
      const created = await ctx.store.createCollection(ctx.tenant, {
        name: "docs",
        dimension: 3,
        distance: "cosine",
        payloadIndexes: [{ key: "meta.lang", type: "keyword" }],
      });
      expect(created).toEqual({
        name: "docs",
        dimension: 3,
        distance: "cosine",
        payloadIndexes: [{ key: "meta.lang", type: "keyword" }],
        index: defaultIndexSettings,
        sensitiveFields: [],
      });
      await ctx.store.upsert(ctx.tenant, "docs", [point("a", [1, 0, 0]), point("b", [0, 1, 0])]);
      const details = await ctx.store.getCollection(ctx.tenant, "docs");
      expect(details).toMatchObject({ name: "docs", dimension: 3, distance: "cosine" });
      expect(details.pointCount).toBe(2);
    });

    it("builds a collection's index with its own settings and reports them", async () => {
      const index = { m: 32, efConstruct: 200 };
      const created = await ctx.store.createCollection(ctx.tenant, {
        name: "tuned",
        dimension: 3,
        distance: "dot",
        index,
      });
      expect(created.index).toEqual(index);
      await ctx.store.upsert(ctx.tenant, "tuned", [point("a", [1, 0, 0])]);
      expect(await ctx.store.getCollection(ctx.tenant, "tuned")).toMatchObject({
        index,
        pointCount: 1,
      });
      const listed = await ctx.store.listCollections(ctx.tenant, { limit: 10 });
      expect(listed.collections.map((c) => c.index)).toEqual([index]);
    });

    it("rejects a second create of the same name with AlreadyExistsError", async () => {
      await ctx.store.createCollection(ctx.tenant, { name: "docs", dimension: 2, distance: "dot" });
      const second = ctx.store.createCollection(ctx.tenant, {
        name: "docs",
        dimension: 4,
        distance: "euclid",
      });
      await expect(second).rejects.toBeInstanceOf(AlreadyExistsError);
      await expect(second).rejects.toMatchObject({ kind: "collection", id: "docs" });
      expect(await ctx.store.getCollection(ctx.tenant, "docs")).toMatchObject({ dimension: 2 });
    });

    it("lists collections in name order, a page at a time", async () => {
      for (const name of ["e", "b", "d", "a", "c"]) {
        await ctx.store.createCollection(ctx.tenant, { name, dimension: 2, distance: "dot" });
      }
      const first = await ctx.store.listCollections(ctx.tenant, { limit: 2 });
      expect(first.collections.map((c) => c.name)).toEqual(["a", "b"]);
      expect(first.nextAfter).toBe("b");
      const second = await ctx.store.listCollections(ctx.tenant, { limit: 2, after: "b" });
      expect(second.collections.map((c) => c.name)).toEqual(["c", "d"]);
      const last = await ctx.store.listCollections(ctx.tenant, { limit: 2, after: "d" });
      expect(last.collections.map((c) => c.name)).toEqual(["e"]);
      expect(last.nextAfter).toBeUndefined();
      const all = await ctx.store.listCollections(ctx.tenant, { limit: 5 });
      expect(all.collections).toHaveLength(5);
      expect(all.nextAfter).toBeUndefined();
      expect(all.collections[0]).toEqual({
        name: "a",
        dimension: 2,
        distance: "dot",
        payloadIndexes: [],
        index: defaultIndexSettings,
        sensitiveFields: [],
      });
    });

    it("deletes a collection with its points, and reports whether it existed", async () => {
      await ctx.store.createCollection(ctx.tenant, { name: "docs", dimension: 2, distance: "dot" });
      await ctx.store.upsert(ctx.tenant, "docs", [point("a", [1, 2])]);
      expect(await ctx.store.deleteCollection(ctx.tenant, "docs")).toBe(true);
      expect(await ctx.store.deleteCollection(ctx.tenant, "docs")).toBe(false);
      await expect(ctx.store.getCollection(ctx.tenant, "docs")).rejects.toBeInstanceOf(
        NotFoundError,
      );
      expect((await ctx.store.listCollections(ctx.tenant, { limit: 10 })).collections).toEqual([]);
      await ctx.store.createCollection(ctx.tenant, { name: "docs", dimension: 2, distance: "dot" });
      expect(await ctx.store.count(ctx.tenant, "docs")).toBe(0);
      expect(await ctx.store.get(ctx.tenant, "docs", ["a"], { withVector: false })).toEqual([]);
    });

    it("reports an unknown collection as NotFoundError on every operation", async () => {
      const missing = "nope";
      const calls: (() => Promise<unknown>)[] = [
        () => ctx.store.getCollection(ctx.tenant, missing),
        () => ctx.store.upsert(ctx.tenant, missing, [point("a", [1, 2])]),
        () => ctx.store.search(ctx.tenant, missing, query([1, 2])),
        () => ctx.store.get(ctx.tenant, missing, ["a"], { withVector: false }),
        () => ctx.store.delete(ctx.tenant, missing, { ids: ["a"] }),
        () => ctx.store.count(ctx.tenant, missing),
        () =>
          ctx.store.scroll(ctx.tenant, missing, {
            limit: 10,
            withPayload: false,
            withVector: false,
          }),
      ];
      for (const call of calls) {
        const rejected = call();
        await expect(rejected).rejects.toBeInstanceOf(NotFoundError);
        await expect(rejected).rejects.toMatchObject({ kind: "collection", id: missing });
      }
    });
  });
}

function describeTenancy(ctx: ContractContext): void {
  describe("tenant isolation", () => {
    it("keeps same-named collections and same-id points of two tenants apart", async () => {
      await ctx.store.createCollection(ctx.tenant, { name: "docs", dimension: 2, distance: "dot" });
      await ctx.store.createCollection(ctx.otherTenant, {
        name: "docs",
        dimension: 3,
        distance: "euclid",
      });
      await ctx.store.upsert(ctx.tenant, "docs", [point("a", [1, 2], { owner: "A" })]);
      await ctx.store.upsert(ctx.otherTenant, "docs", [
        point("a", [1, 2, 3], { owner: "B" }),
        point("b", [0, 0, 0], { owner: "B" }),
      ]);
      expect(await ctx.store.get(ctx.tenant, "docs", ["a", "b"], { withVector: true })).toEqual([
        { id: "a", payload: { owner: "A" }, vector: [1, 2] },
      ]);
      expect(await ctx.store.count(ctx.tenant, "docs")).toBe(1);
      expect(await ctx.store.count(ctx.otherTenant, "docs")).toBe(2);
      const hits = await ctx.store.search(ctx.tenant, "docs", query([1, 1], { withPayload: true }));
      expect(hits.map((h) => h.payload)).toEqual([{ owner: "A" }]);
      expect((await ctx.store.getCollection(ctx.otherTenant, "docs")).dimension).toBe(3);
      await ctx.store.delete(ctx.tenant, "docs", { filter: {} });
      expect(await ctx.store.count(ctx.otherTenant, "docs")).toBe(2);
      expect(await ctx.store.deleteCollection(ctx.tenant, "docs")).toBe(true);
      expect(await ctx.store.count(ctx.otherTenant, "docs")).toBe(2);
    });

    it("never lists or reaches another tenant's collections", async () => {
      await ctx.store.createCollection(ctx.otherTenant, {
        name: "private",
        dimension: 2,
        distance: "dot",
      });
      expect((await ctx.store.listCollections(ctx.tenant, { limit: 100 })).collections).toEqual([]);
      await expect(ctx.store.getCollection(ctx.tenant, "private")).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(
        ctx.store.upsert(ctx.tenant, "private", [point("x", [1, 1])]),
      ).rejects.toBeInstanceOf(NotFoundError);
      expect(await ctx.store.deleteCollection(ctx.tenant, "private")).toBe(false);
      expect(await ctx.store.count(ctx.otherTenant, "private")).toBe(0);
    });
  });
}

function describeLifecycle(ctx: ContractContext): void {
  describe("lifecycle", () => {
    it("keeps collections, points and deletions across close and reopen", async () => {
      await ctx.store.createCollection(ctx.tenant, {
        name: "docs",
        dimension: 2,
        distance: "euclid",
      });
      await ctx.store.upsert(ctx.tenant, "docs", [
        point("a", [0, 0], { n: 1 }),
        point("b", [3, 4], { n: 2 }),
        point("c", [6, 8], { n: 3 }),
      ]);
      await ctx.store.delete(ctx.tenant, "docs", { ids: ["b"] });
      await ctx.reopen();
      expect(await ctx.store.getCollection(ctx.tenant, "docs")).toMatchObject({
        distance: "euclid",
        pointCount: 2,
      });
      const hits = await ctx.store.search(ctx.tenant, "docs", query([0, 0], { withPayload: true }));
      expect(hits.map((h) => [h.id, h.score, h.payload])).toEqual([
        ["a", 0, { n: 1 }],
        ["c", 10, { n: 3 }],
      ]);
      await ctx.store.upsert(ctx.tenant, "docs", [point("a", [9, 12], { n: 4 })]);
      await ctx.reopen();
      await ctx.reopen();
      const after = await ctx.store.search(
        ctx.tenant,
        "docs",
        query([0, 0], { withPayload: true }),
      );
      expect(after.map((h) => [h.id, h.score, h.payload])).toEqual([
        ["c", 10, { n: 3 }],
        ["a", 15, { n: 4 }],
      ]);
    });

    it("reports itself healthy while open", async () => {
      expect(await ctx.store.health()).toMatchObject({ ok: true });
    });

    it("fails calls with CancelledError when the signal is already aborted", async () => {
      await ctx.store.createCollection(ctx.tenant, { name: "docs", dimension: 2, distance: "dot" });
      const signal = AbortSignal.abort();
      await expect(ctx.store.count(ctx.tenant, "docs", undefined, signal)).rejects.toBeInstanceOf(
        CancelledError,
      );
      await expect(
        ctx.store.upsert(ctx.tenant, "docs", [point("a", [1, 1])], signal),
      ).rejects.toBeInstanceOf(CancelledError);
      expect(await ctx.store.count(ctx.tenant, "docs")).toBe(0);
    });

    it("fails calls with EngineUnavailableError after close", async () => {
      await ctx.store.close();
      await expect(ctx.store.listCollections(ctx.tenant, { limit: 1 })).rejects.toBeInstanceOf(
        EngineUnavailableError,
      );
    });
  });
}
