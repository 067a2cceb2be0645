import { describe, expect, it } from "vitest";
import type { GraphNode, GraphRelationship, Subgraph } from "../../clients/graphs/port.js";
import { entityIdsOf, maxEntitiesPerHit } from "../../server/services/retrieval/entities.js";
import {
  type ExpansionPlan,
  followedWithin,
  mergeNeighbourhood,
  toEntityReach,
} from "../../server/services/retrieval/neighbourhood.js";

const node = (id: string): GraphNode => ({ id, labels: [], properties: {} });
const rel = (id: string, fromId: string, toId: string, type = "KNOWS"): GraphRelationship => ({
  id,
  fromId,
  toId,
  type,
  properties: {},
});
const plan = (overrides: Partial<ExpansionPlan> = {}): ExpansionPlan => ({
  depth: 2,
  limit: 10,
  direction: "both",
  types: [],
  ...overrides,
});
const ids = (items: readonly { id: string }[]) => items.map((item) => item.id);

describe("entityIdsOf", () => {
  it("reads the strings of entity_ids in order, each once, skipping what cannot be an id", () => {
    expect(
      entityIdsOf({ entity_ids: ["b", "a", "b", 3, "", null, "x\u0000", "é".repeat(129), "c"] }),
    ).toEqual(["b", "a", "c"]);
  });

  it("finds none without a list under entity_ids", () => {
    expect(entityIdsOf(undefined)).toEqual([]);
    expect(entityIdsOf({})).toEqual([]);
    expect(entityIdsOf({ entity_ids: "a" })).toEqual([]);
  });

  it("keeps the first 32 distinct ids", () => {
    const listed = Array.from({ length: 40 }, (_, i) => `e${i}`);
    expect(entityIdsOf({ entity_ids: ["e0", ...listed] })).toEqual(
      listed.slice(0, maxEntitiesPerHit),
    );
  });
});

describe("toEntityReach", () => {
  const subgraph: Subgraph = {
    nodes: [node("e"), node("a"), node("b"), node("c")],
    relationships: [rel("r1", "e", "a"), rel("r2", "b", "e"), rel("r3", "a", "c")],
  };

  it("recovers each node's depth from the relationships followed, in the walk's direction", () => {
    expect(toEntityReach(subgraph, "both", 10).depths).toEqual(
      new Map([
        ["e", 0],
        ["a", 1],
        ["b", 1],
        ["c", 2],
      ]),
    );
    const out = toEntityReach(
      {
        nodes: [node("e"), node("a"), node("c")],
        relationships: [rel("r1", "e", "a"), rel("r3", "a", "c")],
      },
      "out",
      10,
    );
    expect(out.depths.get("c")).toBe(2);
    const into = toEntityReach(
      { nodes: [node("e"), node("b")], relationships: [rel("r2", "b", "e")] },
      "in",
      10,
    );
    expect(into.depths.get("b")).toBe(1);
  });

  it("says a traversal was truncated when it returned as many nodes as allowed", () => {
    expect(toEntityReach(subgraph, "both", 3).truncated).toBe(true);
    expect(toEntityReach(subgraph, "both", 4).truncated).toBe(false);
  });
});

describe("mergeNeighbourhood", () => {
  const reachOf = (nodes: string[], relationships: GraphRelationship[], limit = 100) =>
    toEntityReach({ nodes: nodes.map(node), relationships }, "both", limit);

  it("puts the entities first in the hit's order, then others by least depth, then id", () => {
    const fromE1 = reachOf(
      ["e1", "a", "z", "m"],
      [rel("1", "e1", "a"), rel("2", "e1", "z"), rel("3", "z", "m")],
    );
    const fromE2 = reachOf(["e2", "m", "b"], [rel("4", "e2", "m"), rel("5", "m", "b")]);
    const merged = mergeNeighbourhood([node("e2"), node("e1")], [fromE2, fromE1], plan());
    expect(ids(merged.nodes)).toEqual(["e2", "e1", "a", "m", "z", "b"]);
    expect(merged.depths.get("m")).toBe(1);
    expect(ids(merged.relationships)).toEqual(["1", "2", "3", "4", "5"]);
  });

  it("cuts the others at the limit and keeps only relationships between kept nodes", () => {
    const fromE = reachOf(
      ["e", "a", "b", "c"],
      [rel("1", "e", "a"), rel("2", "e", "b"), rel("3", "b", "c"), rel("4", "a", "b")],
    );
    const merged = mergeNeighbourhood([node("e")], [fromE], plan({ limit: 2 }));
    expect(ids(merged.nodes)).toEqual(["e", "a", "b"]);
    expect(ids(merged.relationships)).toEqual(["1", "2", "4"]);
  });

  it("does not count another entity of the hit against the limit, nor list it twice", () => {
    const fromE1 = reachOf(["e1", "e2", "a"], [rel("1", "e1", "e2"), rel("2", "e1", "a")]);
    const fromE2 = reachOf(["e2", "e1", "b"], [rel("1", "e1", "e2"), rel("3", "e2", "b")]);
    const merged = mergeNeighbourhood(
      [node("e1"), node("e2")],
      [fromE1, fromE2],
      plan({ limit: 2 }),
    );
    expect(ids(merged.nodes)).toEqual(["e1", "e2", "a", "b"]);
    expect(ids(merged.relationships)).toEqual(["1", "2", "3"]);
  });

  it("merges what was read when a traversal is missing, and asks for induced relationships after a truncated one", () => {
    const fromE1 = reachOf(["e1", "a"], [rel("1", "e1", "a")], 1);
    const merged = mergeNeighbourhood([node("e1"), node("e2")], [fromE1, undefined], plan());
    expect(ids(merged.nodes)).toEqual(["e1", "e2", "a"]);
    expect(merged.needsInduced).toBe(true);
  });
});

describe("followedWithin", () => {
  const depths = new Map([
    ["e", 0],
    ["a", 1],
    ["b", 2],
  ]);

  it("keeps a relationship the walk follows from a node short of the last hop", () => {
    expect(followedWithin(rel("r", "a", "b"), depths, plan())).toBe(true);
    expect(followedWithin(rel("r", "b", "a"), depths, plan({ direction: "out" }))).toBe(false);
    expect(followedWithin(rel("r", "b", "a"), depths, plan({ direction: "in" }))).toBe(true);
    expect(followedWithin(rel("r", "a", "b"), depths, plan({ depth: 1 }))).toBe(false);
  });

  it("drops relationships of another type or with an end not returned", () => {
    expect(followedWithin(rel("r", "e", "a", "LIKES"), depths, plan({ types: ["KNOWS"] }))).toBe(
      false,
    );
    expect(followedWithin(rel("r", "e", "zz"), depths, plan())).toBe(false);
  });
});
