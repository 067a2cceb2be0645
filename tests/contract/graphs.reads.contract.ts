import { describe, expect, it } from "vitest";
import { CancelledError } from "../../clients/errors.js";
import { type ContractContext, node, rel, seedSampleGraph } from "./graphs.fixtures.js";

/** The batch reads: `getNodes`, `getRelationships`, `relationshipsAmong`. */
export function describeGraphReads(ctx: ContractContext): void {
  describe("batch reads", () => {
    it("getNodes answers existing nodes in request order, each once, missing ids left out", async () => {
      await seedSampleGraph(ctx.store, ctx.tenant);
      const nodes = await ctx.store.getNodes(ctx.tenant, ["c", "missing", "a", "c", "x"]);
      expect(nodes).toEqual([
        node("c", ["Company"], { name: "Acme" }),
        node("a", ["Person"], { name: "Ada" }),
        node("x", ["Person"], { name: "Xan" }),
      ]);
      expect(await ctx.store.getNodes(ctx.tenant, [])).toEqual([]);
    });

    it("getRelationships answers relationships of any type in request order, each once", async () => {
      await seedSampleGraph(ctx.store, ctx.tenant);
      const relationships = await ctx.store.getRelationships(ctx.tenant, [
        "r2",
        "nope",
        "r1",
        "r2",
      ]);
      expect(relationships).toEqual([
        { id: "r2", fromId: "a", toId: "c", type: "WORKS_AT", properties: {} },
        { id: "r1", fromId: "a", toId: "b", type: "KNOWS", properties: { since: 2020 } },
      ]);
      expect(await ctx.store.getRelationships(ctx.tenant, [])).toEqual([]);
    });

    it("relationshipsAmong answers the edges both of whose ends are given, of the given types, by id", async () => {
      await seedSampleGraph(ctx.store, ctx.tenant);
      const among = (ids: string[], types: string[] = []) =>
        ctx.store
          .relationshipsAmong(ctx.tenant, ids, types)
          .then((found) => found.map((r) => r.id));
      expect(await among(["a", "b", "c"])).toEqual(["r1", "r2", "r7"]);
      expect(await among(["a", "b", "c"], ["KNOWS"])).toEqual(["r1", "r7"]);
      expect(await among(["d", "e", "x"])).toEqual(["r5"]);
      expect(await among(["a"])).toEqual([]);
      expect(await among([])).toEqual([]);
      const [r1] = await ctx.store.relationshipsAmong(ctx.tenant, ["b", "a"], ["KNOWS"]);
      expect(r1).toEqual({
        id: "r1",
        fromId: "a",
        toId: "b",
        type: "KNOWS",
        properties: { since: 2020 },
      });
    });

    it("reads a self-loop among its one node", async () => {
      await ctx.store.upsertNodes(ctx.tenant, [node("s")]);
      await ctx.store.upsertRelationships(ctx.tenant, [rel("s", "LOOP", "s", "loop")]);
      expect(await ctx.store.relationshipsAmong(ctx.tenant, ["s"], [])).toEqual([
        { id: "loop", fromId: "s", toId: "s", type: "LOOP", properties: {} },
      ]);
    });

    it("reads nothing of another tenant", async () => {
      await seedSampleGraph(ctx.store, ctx.tenant);
      await ctx.store.upsertNodes(ctx.otherTenant, [node("a"), node("b")]);
      expect(await ctx.store.getNodes(ctx.otherTenant, ["a", "c"])).toEqual([node("a")]);
      expect(await ctx.store.getRelationships(ctx.otherTenant, ["r1", "r2"])).toEqual([]);
      expect(await ctx.store.relationshipsAmong(ctx.otherTenant, ["a", "b", "c"], [])).toEqual([]);
    });

    it("refuses a read whose signal is already aborted", async () => {
      const aborted = AbortSignal.abort();
      await expect(ctx.store.getNodes(ctx.tenant, ["a"], aborted)).rejects.toBeInstanceOf(
        CancelledError,
      );
      await expect(ctx.store.getRelationships(ctx.tenant, ["r1"], aborted)).rejects.toBeInstanceOf(
        CancelledError,
      );
      await expect(
        ctx.store.relationshipsAmong(ctx.tenant, ["a"], [], aborted),
      ).rejects.toBeInstanceOf(CancelledError);
    });
  });
}
