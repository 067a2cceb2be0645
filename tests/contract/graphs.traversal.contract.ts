import { beforeEach, describe, expect, it } from "vitest";
import { NotFoundError } from "../../clients/errors.js";
import type { NeighborsQuery, ShortestPathQuery } from "../../clients/graphs/port.js";
import {
  type ContractContext,
  expectValidPath,
  node,
  nodeIds,
  rel,
  relationshipIds,
  seedSampleGraph,
} from "./graphs.fixtures.js";

const from = (nodeId: string, query: Partial<NeighborsQuery> = {}): NeighborsQuery => ({
  nodeId,
  direction: "out",
  types: [],
  labels: [],
  maxDepth: 1,
  limit: 100,
  ...query,
});

const path = (fromId: string, toId: string, query: Partial<ShortestPathQuery> = {}) => ({
  fromId,
  toId,
  types: [],
  maxDepth: 5,
  direction: "out" as const,
  ...query,
});

/** Contract tests of Neighbors and ShortestPath, on the sample graph of the fixtures. */
export function describeGraphTraversals(ctx: ContractContext): void {
  beforeEach(async () => {
    await seedSampleGraph(ctx.store, ctx.tenant);
  });

  describe("neighbors", () => {
    it.each([
      ["out", 1, ["a", "b", "c"], ["r1", "r2"]],
      ["in", 1, ["a", "x"], ["r6"]],
      ["both", 1, ["a", "b", "c", "x"], ["r1", "r2", "r6"]],
      ["out", 2, ["a", "b", "c", "d"], ["r1", "r2", "r3", "r4", "r7"]],
      ["both", 2, ["a", "b", "c", "x", "d"], ["r1", "r2", "r3", "r4", "r6", "r7"]],
      ["out", 3, ["a", "b", "c", "d", "e"], ["r1", "r2", "r3", "r4", "r5", "r7"]],
    ] as const)(
      "direction %s, depth %i: nodes by (depth, id), followed relationships by id",
      async (direction, maxDepth, nodes, relationships) => {
        const sub = await ctx.store.neighbors(ctx.tenant, from("a", { direction, maxDepth }));
        expect(nodeIds(sub)).toEqual(nodes);
        expect(relationshipIds(sub)).toEqual(relationships);
      },
    );

    it("returns full nodes and relationships", async () => {
      const sub = await ctx.store.neighbors(ctx.tenant, from("a", { types: ["KNOWS"] }));
      expect(sub.nodes).toEqual([
        node("a", ["Person"], { name: "Ada" }),
        node("b", ["Person"], { name: "Bob" }),
      ]);
      expect(sub.relationships).toEqual([
        { id: "r1", fromId: "a", toId: "b", type: "KNOWS", properties: { since: 2020 } },
      ]);
    });

    it("follows only the given types, so depth is measured along them", async () => {
      const sub = await ctx.store.neighbors(
        ctx.tenant,
        from("a", { types: ["KNOWS"], maxDepth: 2 }),
      );
      expect(nodeIds(sub)).toEqual(["a", "b", "c", "d"]);
      expect(relationshipIds(sub)).toEqual(["r1", "r3", "r7"]);
    });

    it("returns and traverses only nodes with one of the labels", async () => {
      const people = await ctx.store.neighbors(
        ctx.tenant,
        from("a", { labels: ["Person"], maxDepth: 2 }),
      );
      expect(nodeIds(people)).toEqual(["a", "b", "d"]);
      expect(relationshipIds(people)).toEqual(["r1", "r3"]);
      const throughCompany = await ctx.store.neighbors(
        ctx.tenant,
        from("a", { labels: ["Person"], types: ["WORKS_AT", "EMPLOYS"], maxDepth: 2 }),
      );
      expect(nodeIds(throughCompany)).toEqual(["a"]);
      expect(throughCompany.relationships).toEqual([]);
    });

    it("exempts the start node from the label filter", async () => {
      const sub = await ctx.store.neighbors(ctx.tenant, from("c", { labels: ["Person"] }));
      expect(nodeIds(sub)).toEqual(["c", "d"]);
      expect(relationshipIds(sub)).toEqual(["r4"]);
    });

    it("keeps the first `limit` nodes by (depth, id) and relationships among them", async () => {
      const sub = await ctx.store.neighbors(
        ctx.tenant,
        from("a", { direction: "both", maxDepth: 2, limit: 2 }),
      );
      expect(nodeIds(sub)).toEqual(["a", "b", "c"]);
      expect(relationshipIds(sub)).toEqual(["r1", "r2", "r7"]);
      const none = await ctx.store.neighbors(ctx.tenant, from("a", { limit: 0 }));
      expect(nodeIds(none)).toEqual(["a"]);
      expect(none.relationships).toEqual([]);
    });

    it("orders same-depth nodes by id, not by insertion", async () => {
      await ctx.store.upsertNodes(ctx.tenant, [node("hub"), node("n2"), node("n10"), node("n1")]);
      await ctx.store.upsertRelationships(
        ctx.tenant,
        ["n2", "n10", "n1"].map((id) => rel("hub", "HAS", id)),
      );
      const sub = await ctx.store.neighbors(ctx.tenant, from("hub"));
      expect(nodeIds(sub)).toEqual(["hub", "n1", "n10", "n2"]);
    });

    it("returns a node once even when reached by several paths or a self-loop", async () => {
      await ctx.store.upsertRelationships(ctx.tenant, [rel("a", "SELF", "a", "loop")]);
      const sub = await ctx.store.neighbors(
        ctx.tenant,
        from("a", { direction: "both", maxDepth: 3 }),
      );
      expect(nodeIds(sub)).toEqual(["a", "b", "c", "x", "d", "e"]);
      expect(relationshipIds(sub)).toEqual(["loop", "r1", "r2", "r3", "r4", "r5", "r6", "r7"]);
    });

    it("rejects a missing start node with NotFoundError", async () => {
      await expect(ctx.store.neighbors(ctx.tenant, from("ghost"))).rejects.toMatchObject({
        name: "NotFoundError",
        kind: "node",
        id: "ghost",
      });
    });
  });

  describe("shortestPath", () => {
    it("finds the unique shortest path along the given types", async () => {
      const found = await ctx.store.shortestPath(ctx.tenant, path("x", "d", { types: ["KNOWS"] }));
      expect(found.found).toBe(true);
      expect(nodeIds(found)).toEqual(["x", "a", "b", "d"]);
      expect(relationshipIds(found)).toEqual(["r6", "r1", "r3"]);
      expect(found.nodes[1]).toEqual(node("a", ["Person"], { name: "Ada" }));
      expect(found.relationships[1]).toEqual({
        id: "r1",
        fromId: "a",
        toId: "b",
        type: "KNOWS",
        properties: { since: 2020 },
      });
    });

    it("returns one of several equally short paths", async () => {
      expectValidPath(await ctx.store.shortestPath(ctx.tenant, path("a", "e")), "a", "e", 3);
    });

    it("respects direction", async () => {
      const backwards = await ctx.store.shortestPath(ctx.tenant, path("e", "a"));
      expect(backwards).toEqual({ found: false, nodes: [], relationships: [] });
      const incoming = await ctx.store.shortestPath(
        ctx.tenant,
        path("e", "a", { direction: "in", types: ["KNOWS"] }),
      );
      expect(nodeIds(incoming)).toEqual(["e", "d", "b", "a"]);
      expect(relationshipIds(incoming)).toEqual(["r5", "r3", "r1"]);
      const either = await ctx.store.shortestPath(
        ctx.tenant,
        path("e", "a", { direction: "both" }),
      );
      expectValidPath(either, "e", "a", 3);
    });

    it("is not found when max_depth is too short, found when it suffices", async () => {
      const query = path("x", "e", { types: ["KNOWS"] });
      const short = await ctx.store.shortestPath(ctx.tenant, { ...query, maxDepth: 3 });
      expect(short).toEqual({ found: false, nodes: [], relationships: [] });
      const enough = await ctx.store.shortestPath(ctx.tenant, { ...query, maxDepth: 4 });
      expect(nodeIds(enough)).toEqual(["x", "a", "b", "d", "e"]);
    });

    it("is not found between disconnected nodes", async () => {
      const result = await ctx.store.shortestPath(
        ctx.tenant,
        path("a", "iso", { direction: "both" }),
      );
      expect(result).toEqual({ found: false, nodes: [], relationships: [] });
    });

    it("finds the one-node path from a node to itself", async () => {
      const result = await ctx.store.shortestPath(ctx.tenant, path("a", "a"));
      expect(result).toEqual({
        found: true,
        nodes: [node("a", ["Person"], { name: "Ada" })],
        relationships: [],
      });
    });

    it.each([
      ["ghost", "a"],
      ["a", "ghost"],
    ])("rejects a missing endpoint (%s -> %s) with NotFoundError", async (fromId, toId) => {
      const error = await ctx.store
        .shortestPath(ctx.tenant, path(fromId, toId))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ kind: "node", id: "ghost" });
    });
  });
}
