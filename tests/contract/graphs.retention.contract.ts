import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { type ContractContext, node, rel } from "./graphs.fixtures.js";

/** A time strictly between the writes before and after it. */
async function pause(): Promise<number> {
  await sleep(25);
  const at = Date.now();
  await sleep(25);
  return at;
}

/** Maximum ages of labels, write times of nodes, and deletes by write time. */
export function describeGraphRetention(ctx: ContractContext): void {
  describe("retention", () => {
    it("stores a tenant's maximum ages of labels, changes and clears them", async () => {
      await ctx.store.setLabelMaxAge(ctx.tenant, "Session", 60_000);
      await ctx.store.setLabelMaxAge(ctx.tenant, "Event", 5_000);
      await ctx.store.setLabelMaxAge(ctx.tenant, "Session", 30_000);
      await ctx.store.setLabelMaxAge(ctx.otherTenant, "Event", 1_000);
      expect(await ctx.store.listLabelMaxAges(ctx.tenant)).toEqual([
        { tenant: ctx.tenant, label: "Event", maxAgeMs: 5_000 },
        { tenant: ctx.tenant, label: "Session", maxAgeMs: 30_000 },
      ]);
      await ctx.reopen();
      await ctx.store.setLabelMaxAge(ctx.tenant, "Event", undefined);
      expect(await ctx.store.listLabelMaxAges(ctx.tenant)).toEqual([
        { tenant: ctx.tenant, label: "Session", maxAgeMs: 30_000 },
      ]);
      const all = await ctx.store.listLabelMaxAges(undefined);
      const ours = all.filter((e) => e.tenant === ctx.tenant || e.tenant === ctx.otherTenant);
      expect(ours).toHaveLength(2);
      expect(ours).toContainEqual({ tenant: ctx.otherTenant, label: "Event", maxAgeMs: 1_000 });
    });

    it("deletes nodes of a label written before a time with their relationships, a batch at a time", async () => {
      await ctx.store.upsertNodes(ctx.tenant, [
        node("s1", ["Session"]),
        node("s2", ["Session", "Audit"]),
        node("s3", ["Session"]),
        node("p", ["Person"]),
      ]);
      await ctx.store.upsertRelationships(ctx.tenant, [
        rel("p", "OPENED", "s1", "r1"),
        rel("s2", "NEXT", "s3", "r2"),
      ]);
      const cutoff = await pause();
      await ctx.store.upsertNodes(ctx.tenant, [node("s4", ["Session"]), node("s3", ["Session"])]);
      const first = await ctx.store.deleteNodesWrittenBefore(ctx.tenant, "Session", cutoff, 1);
      expect(first.deleted).toBe(1);
      const rest = await ctx.store.deleteNodesWrittenBefore(ctx.tenant, "Session", cutoff, 10);
      expect(rest.deleted).toBe(1);
      expect(first.relationshipsDeleted + rest.relationshipsDeleted).toBe(2);
      expect(await ctx.store.deleteNodesWrittenBefore(ctx.tenant, "Session", cutoff, 10)).toEqual({
        deleted: 0,
        relationshipsDeleted: 0,
      });
      const left = await ctx.store.getNodes(ctx.tenant, ["s1", "s2", "s3", "s4", "p"]);
      expect(left.map((n) => n.id)).toEqual(["s3", "s4", "p"]);
      expect(await ctx.store.getRelationships(ctx.tenant, ["r1", "r2"])).toEqual([]);
    });

    it("keeps the write time out of properties and deletes only the named tenant's label", async () => {
      for (const tenant of [ctx.tenant, ctx.otherTenant]) {
        await ctx.store.upsertNodes(tenant, [
          node("a", ["Session"], { n: 1 }),
          node("b", ["Person"]),
        ]);
      }
      expect(await ctx.store.getNode(ctx.tenant, "a")).toEqual(node("a", ["Session"], { n: 1 }));
      const cutoff = await pause();
      const result = await ctx.store.deleteNodesWrittenBefore(ctx.tenant, "Session", cutoff, 10);
      expect(result).toEqual({ deleted: 1, relationshipsDeleted: 0 });
      expect((await ctx.store.getNodes(ctx.tenant, ["a", "b"])).map((n) => n.id)).toEqual(["b"]);
      expect((await ctx.store.getNodes(ctx.otherTenant, ["a", "b"])).map((n) => n.id)).toEqual([
        "a",
        "b",
      ]);
    });
  });
}
