import { describe, expect, it } from "vitest";
import type { GraphNode, GraphRelationship, GraphStore } from "../../clients/graphs/port.js";
import { type ContractContext, node, rel } from "./graphs.fixtures.js";

const alice = "person:alice";
const bob = "person:bob";

/** `node(...)` with a subject. */
function of(subject: string, value: GraphNode): GraphNode {
  return { ...value, subject };
}

/**
 * The graph of the subject tests:
 *
 *   a1[alice] -ra:KNOWS[alice]-> a2[alice] -rb:KNOWS[bob]-> b1[bob]
 *   n1 -rc:MENTIONS[alice]-> b1      n2 -rd:MENTIONS-> a1      n1 -re:LINKS[bob]-> n2
 *   a3[alice] has no relationships
 */
async function seedSubjects(store: GraphStore, tenant: string): Promise<void> {
  await store.upsertNodes(tenant, [
    of(alice, node("a1", ["Person"], { name: "Alice" })),
    of(alice, node("a2", ["Account"])),
    of(alice, node("a3", ["Note"], { text: "x" })),
    of(bob, node("b1", ["Person"], { name: "Bob" })),
    node("n1", ["Doc"]),
    node("n2", ["Doc"]),
  ]);
  await store.upsertRelationships(tenant, [
    { ...rel("a1", "KNOWS", "a2", "ra", { w: 1 }), subject: alice },
    { ...rel("a2", "KNOWS", "b1", "rb"), subject: bob },
    { ...rel("n1", "MENTIONS", "b1", "rc"), subject: alice },
    rel("n2", "MENTIONS", "a1", "rd"),
    { ...rel("n1", "LINKS", "n2", "re"), subject: bob },
  ]);
}

/** Every page of a subject's nodes (or relationships), `limit` at a time. */
async function allPages<T extends { id: string }>(
  read: (after: string | undefined) => Promise<{ items: T[]; nextAfter?: string }>,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let after: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await read(after);
    pages += 1;
    ids.push(...page.items.map((item) => item.id));
    if (page.nextAfter === undefined) return { ids, pages };
    expect(page.nextAfter).toBe(page.items.at(-1)?.id);
    after = page.nextAfter;
    if (pages > 100) throw new Error("paging does not end");
  }
}

function nodePages(ctx: ContractContext, tenant: string, subject: string, limit: number) {
  return allPages<GraphNode>(async (after) => {
    const page = await ctx.store.subjectNodes(
      tenant,
      subject,
      after ? { limit, after } : { limit },
    );
    return { items: page.nodes, ...(page.nextAfter ? { nextAfter: page.nextAfter } : {}) };
  });
}

function relationshipPages(ctx: ContractContext, tenant: string, subject: string, limit: number) {
  return allPages<GraphRelationship>(async (after) => {
    const page = await ctx.store.subjectRelationships(
      tenant,
      subject,
      after ? { limit, after } : { limit },
    );
    return { items: page.relationships, ...(page.nextAfter ? { nextAfter: page.nextAfter } : {}) };
  });
}

/** Data subjects of nodes and relationships: every read returns them; paging; deleteSubject. */
export function describeGraphSubjects(ctx: ContractContext): void {
  describe("data subjects", () => {
    it("returns the subject on every read, never among the properties", async () => {
      await seedSubjects(ctx.store, ctx.tenant);
      const a1 = of(alice, node("a1", ["Person"], { name: "Alice" }));
      const a2 = of(alice, node("a2", ["Account"]));
      const b1 = of(bob, node("b1", ["Person"], { name: "Bob" }));
      expect(await ctx.store.getNode(ctx.tenant, "a1")).toStrictEqual(a1);
      const plain = await ctx.store.getNode(ctx.tenant, "n1");
      expect(plain).toStrictEqual(node("n1", ["Doc"]));
      expect(Object.hasOwn(plain, "subject")).toBe(false);
      expect(await ctx.store.getNodes(ctx.tenant, ["b1", "n2", "a1"])).toStrictEqual([
        b1,
        node("n2", ["Doc"]),
        a1,
      ]);

      const ra = { id: "ra", fromId: "a1", toId: "a2", type: "KNOWS", properties: { w: 1 } };
      const rb = { id: "rb", fromId: "a2", toId: "b1", type: "KNOWS", properties: {} };
      const rd = { id: "rd", fromId: "n2", toId: "a1", type: "MENTIONS", properties: {} };
      expect(await ctx.store.getRelationships(ctx.tenant, ["rd", "ra"])).toStrictEqual([
        rd,
        { ...ra, subject: alice },
      ]);
      expect(await ctx.store.relationshipsAmong(ctx.tenant, ["a1", "a2", "b1"], [])).toStrictEqual([
        { ...ra, subject: alice },
        { ...rb, subject: bob },
      ]);

      const around = await ctx.store.neighbors(ctx.tenant, {
        nodeId: "a2",
        direction: "both",
        types: [],
        labels: [],
        maxDepth: 1,
        limit: 10,
      });
      expect(around).toStrictEqual({
        nodes: [a2, a1, b1],
        relationships: [
          { ...ra, subject: alice },
          { ...rb, subject: bob },
        ],
      });
      const hoods = await ctx.store.neighborhoods(ctx.tenant, {
        starts: [{ nodeId: "a2", limit: 10 }],
        direction: "both",
        types: [],
        labels: [],
        maxDepth: 1,
      });
      expect(hoods.get("a2")).toStrictEqual(around);

      const path = await ctx.store.shortestPath(ctx.tenant, {
        fromId: "n2",
        toId: "a2",
        types: [],
        maxDepth: 3,
        direction: "out",
      });
      expect(path).toStrictEqual({
        found: true,
        nodes: [node("n2", ["Doc"]), a1, a2],
        relationships: [rd, { ...ra, subject: alice }],
      });
    });

    it("keeps the subject across a reopen, and an upsert without one clears it", async () => {
      await seedSubjects(ctx.store, ctx.tenant);
      await ctx.reopen();
      expect((await ctx.store.getNode(ctx.tenant, "a3")).subject).toBe(alice);
      await ctx.store.upsertNodes(ctx.tenant, [
        node("a3", ["Note"], { text: "x" }),
        { ...node("b1", ["Person"]), subject: "" },
        of(bob, node("n1", ["Doc"])),
      ]);
      await ctx.store.upsertRelationships(ctx.tenant, [
        rel("a1", "KNOWS", "a2", "ra", { w: 1 }),
        { ...rel("n2", "MENTIONS", "a1", "rd"), subject: bob },
      ]);
      const [a3, b1, n1] = await ctx.store.getNodes(ctx.tenant, ["a3", "b1", "n1"]);
      expect(a3).toStrictEqual(node("a3", ["Note"], { text: "x" }));
      expect(b1).toStrictEqual(node("b1", ["Person"]));
      expect(n1).toStrictEqual(of(bob, node("n1", ["Doc"])));
      const [ra, rd] = await ctx.store.getRelationships(ctx.tenant, ["ra", "rd"]);
      expect(ra).toStrictEqual({
        id: "ra",
        fromId: "a1",
        toId: "a2",
        type: "KNOWS",
        properties: { w: 1 },
      });
      expect(rd?.subject).toBe(bob);
      expect((await nodePages(ctx, ctx.tenant, alice, 10)).ids).toEqual(["a1", "a2"]);
      expect((await nodePages(ctx, ctx.tenant, bob, 10)).ids).toEqual(["n1"]);
      expect((await relationshipPages(ctx, ctx.tenant, alice, 10)).ids).toEqual(["rc"]);
      expect((await relationshipPages(ctx, ctx.tenant, bob, 10)).ids).toEqual(["rb", "rd", "re"]);
    });

    it("keeps a user property named like the stored subject apart from the subject", async () => {
      const properties = { subject: "prop", _rp_subject: "also a prop" };
      await ctx.store.upsertNodes(ctx.tenant, [{ id: "p", labels: [], properties }]);
      expect(await ctx.store.getNode(ctx.tenant, "p")).toStrictEqual({
        id: "p",
        labels: [],
        properties,
      });
      expect((await ctx.store.subjectNodes(ctx.tenant, "prop", { limit: 5 })).nodes).toEqual([]);
      expect((await ctx.store.subjectNodes(ctx.tenant, "also a prop", { limit: 5 })).nodes).toEqual(
        [],
      );
    });

    it("pages a subject's nodes and relationships in id order, only the tenant's", async () => {
      const ids = ["k", "b", "é", "\u{1F600}", "\uE000", "a10", "a9", "Z"];
      const ordered = ["Z", "a10", "a9", "b", "k", "é", "\uE000", "\u{1F600}"];
      await ctx.store.upsertNodes(ctx.tenant, [
        ...ids.map((id) => of(alice, node(id, ["P"], { id }))),
        of(bob, node("bob-1")),
        node("none"),
      ]);
      await ctx.store.upsertNodes(ctx.otherTenant, [of(alice, node("other"))]);
      await ctx.store.upsertRelationships(ctx.tenant, [
        ...ids.map((id, i) => ({
          ...rel(id, i % 2 === 0 ? "KNOWS" : "OWNS", "bob-1", `r-${id}`),
          subject: alice,
        })),
        { ...rel("none", "KNOWS", "bob-1", "r-bob"), subject: bob },
      ]);

      for (const limit of [1, 3, 8, 20]) {
        const nodes = await nodePages(ctx, ctx.tenant, alice, limit);
        expect(nodes.ids).toEqual(ordered);
        expect(nodes.pages).toBe(Math.ceil(ordered.length / limit));
        const relationships = await relationshipPages(ctx, ctx.tenant, alice, limit);
        expect(relationships.ids).toEqual(ordered.map((id) => `r-${id}`));
      }
      const first = await ctx.store.subjectNodes(ctx.tenant, alice, { limit: 3 });
      expect(first.nodes).toStrictEqual(
        ordered.slice(0, 3).map((id) => of(alice, node(id, ["P"], { id }))),
      );
      expect(first.nextAfter).toBe("a9");
      const last = await ctx.store.subjectNodes(ctx.tenant, alice, { limit: 3, after: "é" });
      expect(last.nodes.map((n) => n.id)).toEqual(["\uE000", "\u{1F600}"]);
      expect(Object.hasOwn(last, "nextAfter")).toBe(false);
      const exact = await ctx.store.subjectRelationships(ctx.tenant, alice, { limit: 8 });
      expect(exact.relationships).toHaveLength(8);
      expect(exact.nextAfter).toBeUndefined();
      expect(exact.relationships[0]).toStrictEqual({
        id: "r-Z",
        fromId: "Z",
        toId: "bob-1",
        type: "OWNS",
        properties: {},
        subject: alice,
      });

      expect((await nodePages(ctx, ctx.otherTenant, alice, 5)).ids).toEqual(["other"]);
      expect((await relationshipPages(ctx, ctx.otherTenant, alice, 5)).ids).toEqual([]);
      expect(await ctx.store.subjectNodes(ctx.tenant, "nobody", { limit: 5 })).toStrictEqual({
        nodes: [],
      });
      expect(
        await ctx.store.subjectRelationships(ctx.tenant, "nobody", { limit: 5 }),
      ).toStrictEqual({ relationships: [] });
    });

    it("deleteSubject removes exactly the subject's nodes with their relationships, and its relationships", async () => {
      await seedSubjects(ctx.store, ctx.tenant);
      await seedSubjects(ctx.store, ctx.otherTenant);
      const result = await ctx.store.deleteSubject(ctx.tenant, alice, 100);
      // ra, rc (alice's) and rb, rd (attached to alice's nodes a1, a2).
      expect(result).toEqual({ nodes: 3, relationships: 4 });
      const left = await ctx.store.getNodes(ctx.tenant, ["a1", "a2", "a3", "b1", "n1", "n2"]);
      expect(left.map((n) => n.id)).toEqual(["b1", "n1", "n2"]);
      const rels = await ctx.store.getRelationships(ctx.tenant, ["ra", "rb", "rc", "rd", "re"]);
      expect(rels.map((r) => r.id)).toEqual(["re"]);
      expect((await nodePages(ctx, ctx.tenant, alice, 10)).ids).toEqual([]);
      expect((await relationshipPages(ctx, ctx.tenant, alice, 10)).ids).toEqual([]);
      expect((await nodePages(ctx, ctx.tenant, bob, 10)).ids).toEqual(["b1"]);
      expect(await ctx.store.usage(ctx.tenant)).toEqual({ nodes: 3, relationships: 1 });

      // The other tenant's graph is untouched.
      expect(await ctx.store.usage(ctx.otherTenant)).toEqual({ nodes: 6, relationships: 5 });
      expect((await nodePages(ctx, ctx.otherTenant, alice, 10)).ids).toEqual(["a1", "a2", "a3"]);

      expect(await ctx.store.deleteSubject(ctx.tenant, alice, 100)).toEqual({
        nodes: 0,
        relationships: 0,
      });
      expect(await ctx.store.deleteSubject(ctx.tenant, "nobody", 10)).toEqual({
        nodes: 0,
        relationships: 0,
      });
    });

    it("deleteSubject respects its limit, and calling it until fewer than the limit come back empties the subject", async () => {
      const count = 7;
      await ctx.store.upsertNodes(ctx.tenant, [
        node("hub"),
        ...Array.from({ length: count }, (_, i) => of(alice, node(`s${i}`))),
        ...Array.from({ length: count }, (_, i) => node(`t${i}`)),
      ]);
      await ctx.store.upsertRelationships(ctx.tenant, [
        // Alice's relationships between nodes of no subject, and one from each of her nodes.
        ...Array.from({ length: count }, (_, i) => ({
          ...rel(`t${i}`, "NEXT", "hub", `rt${i}`),
          subject: alice,
        })),
        ...Array.from({ length: count }, (_, i) => rel(`s${i}`, "AT", "hub", `rs${i}`)),
      ]);
      const limit = 3;
      const first = await ctx.store.deleteSubject(ctx.tenant, alice, limit);
      expect(first.nodes).toBe(limit);
      expect(first.relationships).toBe(limit + limit);
      expect(await ctx.store.usage(ctx.tenant)).toEqual({
        nodes: 1 + count + count - limit,
        relationships: 2 * count - 2 * limit,
      });

      let nodes = first.nodes;
      let relationships = first.relationships;
      let calls = 1;
      for (;;) {
        const next = await ctx.store.deleteSubject(ctx.tenant, alice, limit);
        calls += 1;
        expect(next.nodes).toBeLessThanOrEqual(limit);
        nodes += next.nodes;
        relationships += next.relationships;
        if (next.nodes < limit && next.relationships < limit) break;
        if (calls > 20) throw new Error("deleteSubject does not finish");
      }
      expect(nodes).toBe(count);
      expect(relationships).toBe(2 * count);
      expect(await ctx.store.usage(ctx.tenant)).toEqual({ nodes: 1 + count, relationships: 0 });
      expect((await nodePages(ctx, ctx.tenant, alice, 10)).ids).toEqual([]);
    });
  });
}
