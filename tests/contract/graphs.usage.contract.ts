import { describe, expect, it } from "vitest";
import { deriveRelationshipId } from "../../clients/graphs/relationship-id.js";
import { type ContractContext, node, rel, seedSampleGraph } from "./graphs.fixtures.js";

/** `usage` and `countExisting`, which quotas are checked against. */
export function describeGraphUsage(ctx: ContractContext): void {
  describe("usage / countExisting", () => {
    it("counts a tenant's nodes and relationships, and nothing of another tenant", async () => {
      expect(await ctx.store.usage(ctx.tenant)).toEqual({ nodes: 0, relationships: 0 });
      await seedSampleGraph(ctx.store, ctx.tenant);
      await ctx.store.upsertNodes(ctx.otherTenant, [node("a"), node("b")]);
      await ctx.store.upsertRelationships(ctx.otherTenant, [rel("a", "KNOWS", "b")]);

      expect(await ctx.store.usage(ctx.tenant)).toEqual({ nodes: 7, relationships: 7 });
      expect(await ctx.store.usage(ctx.otherTenant)).toEqual({ nodes: 2, relationships: 1 });
    });

    it("counts each existing id once, relationships by id whatever their type", async () => {
      await seedSampleGraph(ctx.store, ctx.tenant);
      const existing = await ctx.store.countExisting(ctx.tenant, {
        nodeIds: ["a", "a", "b", "missing"],
        relationshipIds: ["r1", "r2", "r2", "nope", deriveRelationshipId("a", "KNOWS", "x")],
      });
      expect(existing).toEqual({ nodes: 2, relationships: 2 });
      expect(
        await ctx.store.countExisting(ctx.otherTenant, {
          nodeIds: ["a"],
          relationshipIds: ["r1"],
        }),
      ).toEqual({ nodes: 0, relationships: 0 });
      expect(
        await ctx.store.countExisting(ctx.tenant, { nodeIds: [], relationshipIds: [] }),
      ).toEqual({ nodes: 0, relationships: 0 });
    });
  });
}
