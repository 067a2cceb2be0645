import { describe, expect, it } from "vitest";
import { EngineUnavailableError, NotFoundError, PreconditionError } from "../../clients/errors.js";
import type { NeighborsQuery } from "../../clients/graphs/port.js";
import {
  type ContractContext,
  node,
  nodeIds,
  type OpenGraphStore,
  rel,
  relationshipIds,
  seedSampleGraph,
  useContractContext,
} from "./graphs.fixtures.js";
import { describeRandomGraphTraversals } from "./graphs.random.contract.js";
import { describeGraphReads } from "./graphs.reads.contract.js";
import { describeGraphRetention } from "./graphs.retention.contract.js";
import { describeGraphSubjects } from "./graphs.subjects.contract.js";
import { describeGraphTraversals } from "./graphs.traversal.contract.js";
import { describeGraphUsage } from "./graphs.usage.contract.js";
import { describeGraphWrites } from "./graphs.writes.contract.js";

export type { GraphStoreHarness, OpenGraphStore } from "./graphs.fixtures.js";

const around = (nodeId: string): NeighborsQuery => ({
  nodeId,
  direction: "both",
  types: [],
  labels: [],
  maxDepth: 5,
  limit: 1000,
});

/**
 * The one contract every `GraphStore` adapter passes. `open` gives a fresh harness per
 * test; each test works in its own random tenants, so an engine may be shared between runs.
 */
export function describeGraphStoreContract(label: string, open: OpenGraphStore): void {
  describe(`GraphStore contract: ${label}`, () => {
    const ctx = useContractContext(open);
    describeGraphWrites(ctx);
    describeGraphUsage(ctx);
    describeGraphReads(ctx);
    describe("traversals", () => describeGraphTraversals(ctx));
    describeRandomGraphTraversals(ctx);
    describeGraphRetention(ctx);
    describeGraphSubjects(ctx);
    describeTenancy(ctx);
    describeLifecycle(ctx);
  });
}

function describeTenancy(ctx: ContractContext): void {
  describe("tenant isolation", () => {
    it("keeps same-id nodes of two tenants apart", async () => {
      await seedSampleGraph(ctx.store, ctx.tenant);
      await ctx.store.upsertNodes(ctx.otherTenant, [
        node("a", ["Other"], { name: "Other A" }),
        node("b"),
      ]);
      expect(await ctx.store.getNode(ctx.otherTenant, "a")).toEqual(
        node("a", ["Other"], { name: "Other A" }),
      );
      expect(await ctx.store.getNode(ctx.tenant, "a")).toEqual(
        node("a", ["Person"], { name: "Ada" }),
      );
      await expect(ctx.store.getNode(ctx.otherTenant, "c")).rejects.toBeInstanceOf(NotFoundError);
    });

    it("never traverses into another tenant's graph", async () => {
      await seedSampleGraph(ctx.store, ctx.tenant);
      await ctx.store.upsertNodes(ctx.otherTenant, [node("a"), node("e")]);
      const sub = await ctx.store.neighbors(ctx.otherTenant, around("a"));
      expect(nodeIds(sub)).toEqual(["a"]);
      expect(sub.relationships).toEqual([]);
      const result = await ctx.store.shortestPath(ctx.otherTenant, {
        fromId: "a",
        toId: "e",
        types: [],
        maxDepth: 10,
        direction: "both",
      });
      expect(result.found).toBe(false);
      await expect(ctx.store.neighbors(ctx.otherTenant, around("b"))).rejects.toBeInstanceOf(
        NotFoundError,
      );
    });

    it("refuses a relationship to a node that exists only in another tenant", async () => {
      await seedSampleGraph(ctx.store, ctx.tenant);
      await ctx.store.upsertNodes(ctx.otherTenant, [node("a")]);
      const error = await ctx.store
        .upsertRelationships(ctx.otherTenant, [rel("a", "KNOWS", "b")])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PreconditionError);
      expect(error).toMatchObject({ field: "relationships[0].to_id" });
    });

    it("deletes only the calling tenant's nodes and relationships", async () => {
      await seedSampleGraph(ctx.store, ctx.tenant);
      await ctx.store.upsertNodes(ctx.otherTenant, [node("a"), node("b")]);
      expect(await ctx.store.deleteRelationships(ctx.otherTenant, ["r1", "r2"])).toBe(0);
      expect(await ctx.store.deleteNodes(ctx.otherTenant, ["a", "b", "c"], true)).toEqual({
        deleted: 2,
        relationshipsDeleted: 0,
      });
      const sub = await ctx.store.neighbors(ctx.tenant, { ...around("a"), maxDepth: 1 });
      expect(nodeIds(sub)).toEqual(["a", "b", "c", "x"]);
      expect(relationshipIds(sub)).toEqual(["r1", "r2", "r6"]);
    });
  });
}

function describeLifecycle(ctx: ContractContext): void {
  describe("lifecycle", () => {
    it("keeps everything written across a reopen", async () => {
      await seedSampleGraph(ctx.store, ctx.tenant);
      const before = await ctx.store.neighbors(ctx.tenant, around("a"));
      const reopened = await ctx.reopen();
      expect(await reopened.getNode(ctx.tenant, "a")).toEqual(
        node("a", ["Person"], { name: "Ada" }),
      );
      expect(await reopened.neighbors(ctx.tenant, around("a"))).toEqual(before);
      expect(relationshipIds(before)).toEqual(["r1", "r2", "r3", "r4", "r5", "r6", "r7"]);
    });

    it("reports health, and unavailability once closed", async () => {
      expect(await ctx.store.health()).toEqual({ ok: true });
      await ctx.store.close();
      expect((await ctx.store.health()).ok).toBe(false);
      await expect(ctx.store.getNode(ctx.tenant, "a")).rejects.toBeInstanceOf(
        EngineUnavailableError,
      );
      await ctx.store.close();
    });
  });
}
