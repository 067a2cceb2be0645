import { describe, expect, it } from "vitest";
import { CancelledError, NotFoundError, PreconditionError } from "../../clients/errors.js";
import { deriveRelationshipId } from "../../clients/graphs/relationship-id.js";
import {
  type ContractContext,
  node,
  nodeIds,
  rel,
  relationshipIds,
  seedSampleGraph,
} from "./graphs.fixtures.js";

const allDirections = {
  direction: "both",
  types: [],
  labels: [],
  maxDepth: 1,
  limit: 100,
} as const;

/** Contract tests of node and relationship upserts and deletes. */
export function describeGraphWrites(ctx: ContractContext): void {
  describe("upsertNodes / getNode", () => {
    it("stores nodes with every property type and returns the batch size", async () => {
      const properties = {
        name: "Ada",
        age: 36,
        score: 0.5,
        negative: -7,
        big: 9007199254740991,
        active: true,
        unicode: "日本語 🙂",
        tags: ["x", "y"],
        numbers: [1, 2.5],
        flags: [true, false],
      };
      const count = await ctx.store.upsertNodes(ctx.tenant, [
        node("n1", ["Person", "Admin", "Person"], properties),
        node("n2"),
      ]);
      expect(count).toBe(2);
      expect(await ctx.store.getNode(ctx.tenant, "n1")).toEqual({
        id: "n1",
        labels: ["Admin", "Person"],
        properties,
      });
      expect(await ctx.store.getNode(ctx.tenant, "n2")).toEqual({
        id: "n2",
        labels: [],
        properties: {},
      });
    });

    it("replaces labels and properties on re-upsert", async () => {
      await ctx.store.upsertNodes(ctx.tenant, [node("n1", ["A", "B"], { keep: 1, drop: "x" })]);
      await ctx.store.upsertNodes(ctx.tenant, [node("n1", ["C"], { keep: 2 })]);
      expect(await ctx.store.getNode(ctx.tenant, "n1")).toEqual(node("n1", ["C"], { keep: 2 }));
    });

    it("rejects a missing node with NotFoundError naming it", async () => {
      const error = await ctx.store.getNode(ctx.tenant, "ghost").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ kind: "node", id: "ghost" });
    });

    it("writes nothing when the signal is already aborted", async () => {
      const aborted = AbortSignal.abort();
      await expect(ctx.store.upsertNodes(ctx.tenant, [node("n1")], aborted)).rejects.toBeInstanceOf(
        CancelledError,
      );
      await expect(ctx.store.getNode(ctx.tenant, "n1")).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe("upsertRelationships", () => {
    it("returns given ids in order and stores type and properties", async () => {
      await ctx.store.upsertNodes(ctx.tenant, [node("a"), node("b")]);
      const ids = await ctx.store.upsertRelationships(ctx.tenant, [
        rel("a", "KNOWS", "b", "k1", { since: 2020, note: "met" }),
        rel("b", "LIKES", "a", "l1"),
      ]);
      expect(ids).toEqual(["k1", "l1"]);
      const sub = await ctx.store.neighbors(ctx.tenant, { ...allDirections, nodeId: "a" });
      expect(sub.relationships).toEqual([
        {
          id: "k1",
          fromId: "a",
          toId: "b",
          type: "KNOWS",
          properties: { since: 2020, note: "met" },
        },
        { id: "l1", fromId: "b", toId: "a", type: "LIKES", properties: {} },
      ]);
    });

    it("derives a stable id from (from_id, type, to_id) and re-upsert replaces, not duplicates", async () => {
      await ctx.store.upsertNodes(ctx.tenant, [node("a"), node("b")]);
      const first = await ctx.store.upsertRelationships(ctx.tenant, [
        rel("a", "KNOWS", "b", undefined, { weight: 1 }),
        rel("a", "LIKES", "b"),
      ]);
      expect(first).toEqual([
        deriveRelationshipId("a", "KNOWS", "b"),
        deriveRelationshipId("a", "LIKES", "b"),
      ]);
      expect(first[0]).toMatch(/^rel-[0-9a-f]{32}$/);
      expect(first[0]).not.toBe(first[1]);
      const second = await ctx.store.upsertRelationships(ctx.tenant, [
        rel("a", "KNOWS", "b", undefined, { weight: 2 }),
      ]);
      expect(second).toEqual([first[0]]);
      const sub = await ctx.store.neighbors(ctx.tenant, {
        ...allDirections,
        nodeId: "a",
        types: ["KNOWS"],
      });
      expect(sub.relationships).toEqual([
        { id: first[0], fromId: "a", toId: "b", type: "KNOWS", properties: { weight: 2 } },
      ]);
    });

    it("replaces endpoints, type and properties of a relationship with a given id", async () => {
      await ctx.store.upsertNodes(ctx.tenant, [node("a"), node("b"), node("c")]);
      await ctx.store.upsertRelationships(ctx.tenant, [rel("a", "KNOWS", "b", "r", { w: 1 })]);
      await ctx.store.upsertRelationships(ctx.tenant, [rel("a", "LIKES", "c", "r")]);
      const sub = await ctx.store.neighbors(ctx.tenant, { ...allDirections, nodeId: "a" });
      expect(nodeIds(sub)).toEqual(["a", "c"]);
      expect(sub.relationships).toEqual([
        { id: "r", fromId: "a", toId: "c", type: "LIKES", properties: {} },
      ]);
    });

    it.each([
      ["to_id", rel("a", "KNOWS", "ghost")],
      ["from_id", rel("ghost", "KNOWS", "a")],
    ])("fails the whole batch on a missing %s and writes nothing", async (field, bad) => {
      await ctx.store.upsertNodes(ctx.tenant, [node("a"), node("b")]);
      const error = await ctx.store
        .upsertRelationships(ctx.tenant, [rel("a", "KNOWS", "b", "ok"), bad])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PreconditionError);
      expect(error).toMatchObject({ field: `relationships[1].${field}` });
      const sub = await ctx.store.neighbors(ctx.tenant, { ...allDirections, nodeId: "a" });
      expect(sub.relationships).toEqual([]);
      expect(nodeIds(sub)).toEqual(["a"]);
    });
  });

  describe("deleteNodes / deleteRelationships", () => {
    it("without detach, fails on a node with relationships and deletes nothing", async () => {
      await seedSampleGraph(ctx.store, ctx.tenant);
      const error = await ctx.store
        .deleteNodes(ctx.tenant, ["iso", "a"], false)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PreconditionError);
      expect(error).toMatchObject({ field: "ids[1]" });
      expect((await ctx.store.getNode(ctx.tenant, "iso")).id).toBe("iso");
      expect((await ctx.store.getNode(ctx.tenant, "a")).id).toBe("a");
    });

    it("without detach, deletes unconnected nodes and ignores missing ids", async () => {
      await seedSampleGraph(ctx.store, ctx.tenant);
      const result = await ctx.store.deleteNodes(ctx.tenant, ["iso", "ghost"], false);
      expect(result).toEqual({ deleted: 1, relationshipsDeleted: 0 });
      await expect(ctx.store.getNode(ctx.tenant, "iso")).rejects.toBeInstanceOf(NotFoundError);
    });

    it("with detach, deletes the nodes and counts each of their relationships once", async () => {
      await seedSampleGraph(ctx.store, ctx.tenant);
      const result = await ctx.store.deleteNodes(ctx.tenant, ["a", "b", "ghost"], true);
      expect(result).toEqual({ deleted: 2, relationshipsDeleted: 5 });
      await expect(ctx.store.getNode(ctx.tenant, "b")).rejects.toBeInstanceOf(NotFoundError);
      const sub = await ctx.store.neighbors(ctx.tenant, { ...allDirections, nodeId: "c" });
      expect(nodeIds(sub)).toEqual(["c", "d"]);
      expect(relationshipIds(sub)).toEqual(["r4"]);
    });

    it("deletes relationships by id, ignoring missing ones", async () => {
      await seedSampleGraph(ctx.store, ctx.tenant);
      expect(await ctx.store.deleteRelationships(ctx.tenant, ["r1", "r6", "ghost"])).toBe(2);
      const sub = await ctx.store.neighbors(ctx.tenant, { ...allDirections, nodeId: "a" });
      expect(nodeIds(sub)).toEqual(["a", "c"]);
      expect(relationshipIds(sub)).toEqual(["r2"]);
      expect(await ctx.store.deleteRelationships(ctx.tenant, ["r1"])).toBe(0);
    });
  });
}
