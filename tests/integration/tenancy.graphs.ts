import { Code } from "@connectrpc/connect";
import { beforeAll, describe, expect, it } from "vitest";
import { Direction, GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { rejection } from "../support/errors.js";
import { plain, values } from "../support/values.js";
import { expectHidden, expectNoTenantName, type Tenants } from "./tenancy.support.js";

/**
 * GraphsService: tenant B, using tenant A's node and relationship ids, can neither read,
 * traverse, connect nor delete A's nodes, and its own nodes with the same ids are separate.
 */
export function describeGraphsIsolation(tenants: Tenants): void {
  describe("GraphsService", () => {
    const prefix = `graph-${tenants.transportName}-`;
    const unusedPrefix = `ghost-${tenants.transportName}-`;
    const id = (name: string, p = prefix) => `${p}${name}`;
    const wroteId = id("wrote");
    const a = () => tenants.a(GraphsService);
    const b = () => tenants.b(GraphsService);

    /** A's graph as A sees it: every node, a two-hop traversal and a path. */
    async function aGraph() {
      const [n1, n2, n3, around, path] = await Promise.all([
        a().getNode({ id: id("n1") }),
        a().getNode({ id: id("n2") }),
        a().getNode({ id: id("n3") }),
        a().neighbors({ nodeId: id("n2"), direction: Direction.BOTH, maxDepth: 2 }),
        a().shortestPath({ fromId: id("n2"), toId: id("n1"), direction: Direction.OUT }),
      ]);
      return { nodes: [n1.node, n2.node, n3.node], around, path };
    }

    let aBefore: Awaited<ReturnType<typeof aGraph>>;
    let knowsId = "";
    beforeAll(async () => {
      await a().upsertNodes({
        nodes: [
          { id: id("n1"), labels: ["Document"], properties: values({ side: "a" }) },
          { id: id("n2"), labels: ["Person"], properties: values({ side: "a" }) },
          { id: id("n3"), labels: ["Person"], properties: values({ side: "a" }) },
        ],
      });
      const rels = await a().upsertRelationships({
        relationships: [
          { id: wroteId, fromId: id("n2"), toId: id("n1"), type: "WROTE" },
          { fromId: id("n2"), toId: id("n3"), type: "KNOWS" },
        ],
      });
      knowsId = rels.ids[1] ?? "";
      aBefore = await aGraph();
    });

    it("A's graph holds exactly what A wrote (the baseline later checks compare to)", () => {
      expect(aBefore.nodes.map((n) => [n?.id, n?.labels])).toEqual([
        [id("n1"), ["Document"]],
        [id("n2"), ["Person"]],
        [id("n3"), ["Person"]],
      ]);
      expect(aBefore.around.nodes.map((n) => n.id)).toEqual([id("n2"), id("n1"), id("n3")]);
      expect(aBefore.around.relationships.map((r) => r.id).sort()).toEqual(
        [wroteId, knowsId].sort(),
      );
      expect(aBefore.path.found).toBe(true);
      expect(aBefore.path.relationships.map((r) => r.id)).toEqual([wroteId]);
    });

    it("GetNode, Neighbors and ShortestPath from A's node ids are NOT_FOUND to B, like unused ids", async () => {
      await expectHidden((p) => b().getNode({ id: id("n1", p) }), prefix, unusedPrefix);
      await expectHidden(
        (p) => b().neighbors({ nodeId: id("n2", p), direction: Direction.BOTH, maxDepth: 2 }),
        prefix,
        unusedPrefix,
      );
      await expectHidden(
        (p) => b().shortestPath({ fromId: id("n2", p), toId: id("n1", p) }),
        prefix,
        unusedPrefix,
      );
    });

    it("UpsertRelationships between A's node ids fails for B (no such nodes in B's tenant) and connects nothing", async () => {
      const error = await rejection(
        b().upsertRelationships({
          relationships: [{ fromId: id("n1"), toId: id("n3"), type: "CITES" }],
        }),
      );
      expect(error.code).toBe(Code.FailedPrecondition);
      expectNoTenantName(error);
      expect(await aGraph()).toEqual(aBefore);
    });

    it("DeleteNodes and DeleteRelationships with A's ids delete nothing of A's, and reveal no edges", async () => {
      const ids = [id("n1"), id("n2"), id("n3")];
      expect(await b().deleteNodes({ ids })).toMatchObject({ deleted: 0, relationshipsDeleted: 0 });
      expect(await b().deleteNodes({ ids, detach: true })).toMatchObject({
        deleted: 0,
        relationshipsDeleted: 0,
      });
      expect(await b().deleteRelationships({ ids: [wroteId, knowsId] })).toMatchObject({
        deleted: 0,
      });
      expect(await aGraph()).toEqual(aBefore);
    });

    it("B's nodes and relationships with A's ids are B's own: reads and traversals never reach A's", async () => {
      const nodes = await b().upsertNodes({
        nodes: [
          { id: id("n1"), labels: ["Memo"], properties: values({ side: "b" }) },
          { id: id("n2"), labels: ["Memo"], properties: values({ side: "b" }) },
          { id: id("n3"), labels: ["Memo"], properties: values({ side: "b" }) },
        ],
      });
      expect(nodes.upserted).toBe(3);
      const rels = await b().upsertRelationships({
        relationships: [
          { id: wroteId, fromId: id("n1"), toId: id("n3"), type: "CITES" },
          { fromId: id("n2"), toId: id("n3"), type: "KNOWS" },
        ],
      });
      expect(rels.ids).toEqual([wroteId, knowsId]);

      const n1 = await b().getNode({ id: id("n1") });
      expect(n1.node?.labels).toEqual(["Memo"]);
      expect(plain(n1.node?.properties ?? {})).toEqual({ side: "b" });
      const around = await b().neighbors({
        nodeId: id("n2"),
        direction: Direction.BOTH,
        maxDepth: 2,
      });
      expect(around.nodes.map((n) => [n.id, n.labels])).toEqual([
        [id("n2"), ["Memo"]],
        [id("n3"), ["Memo"]],
        [id("n1"), ["Memo"]],
      ]);
      expect(around.relationships.map((r) => [r.id, r.type]).sort()).toEqual(
        [
          [wroteId, "CITES"],
          [knowsId, "KNOWS"],
        ].sort(),
      );
      const path = await b().shortestPath({
        fromId: id("n2"),
        toId: id("n1"),
        direction: Direction.OUT,
      });
      expect(path).toMatchObject({ found: false, nodes: [], relationships: [] });

      expect(await aGraph()).toEqual(aBefore);
    });

    it("B detach-deleting its nodes with A's ids removes only B's nodes and relationships", async () => {
      const deleted = await b().deleteNodes({
        ids: [id("n1"), id("n2"), id("n3")],
        detach: true,
      });
      expect(deleted).toMatchObject({ deleted: 3, relationshipsDeleted: 2 });
      const gone = await rejection(b().getNode({ id: id("n1") }));
      expect(gone.code).toBe(Code.NotFound);
      expect(await aGraph()).toEqual(aBefore);
    });
  });
}
