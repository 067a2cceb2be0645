import { expect } from "vitest";
import type {
  GraphNode,
  GraphStore,
  PathResult,
  Properties,
  RelationshipInput,
  Subgraph,
} from "../../clients/graphs/port.js";
import {
  type ContractContext as SharedContext,
  type StoreHarness,
  useContractContext,
} from "./harness.js";

/** What a contract run needs from a GraphStore adapter. */
export type GraphStoreHarness = StoreHarness<GraphStore>;

/** Opens a fresh harness; called before every test. */
export type OpenGraphStore = () => Promise<GraphStoreHarness>;

/** Per-test state shared by the contract sections. */
export type ContractContext = SharedContext<GraphStore>;

export { useContractContext };

/** A node to upsert. */
export function node(id: string, labels: string[] = [], properties: Properties = {}): GraphNode {
  return { id, labels, properties };
}

/** A relationship to upsert; `id` omitted means derived. */
export function rel(
  fromId: string,
  type: string,
  toId: string,
  id?: string,
  properties: Properties = {},
): RelationshipInput {
  return id === undefined
    ? { fromId, type, toId, properties }
    : { id, fromId, type, toId, properties };
}

/**
 * The sample graph of the traversal tests (labels in brackets):
 *
 *   x[Person] -r6:KNOWS-> a[Person] -r1:KNOWS-> b[Person] -r3:KNOWS-> d[Person] -r5:KNOWS-> e[Person]
 *                         a -r2:WORKS_AT-> c[Company] -r4:EMPLOYS-> d
 *                         b -r7:KNOWS-> c            iso[Person] has no relationships
 */
export async function seedSampleGraph(store: GraphStore, tenant: string): Promise<void> {
  await store.upsertNodes(tenant, [
    node("a", ["Person"], { name: "Ada" }),
    node("b", ["Person"], { name: "Bob" }),
    node("c", ["Company"], { name: "Acme" }),
    node("d", ["Person"], { name: "Dee" }),
    node("e", ["Person"], { name: "Eve" }),
    node("x", ["Person"], { name: "Xan" }),
    node("iso", ["Person"], { name: "Iso" }),
  ]);
  await store.upsertRelationships(tenant, [
    rel("a", "KNOWS", "b", "r1", { since: 2020 }),
    rel("a", "WORKS_AT", "c", "r2"),
    rel("b", "KNOWS", "d", "r3"),
    rel("c", "EMPLOYS", "d", "r4"),
    rel("d", "KNOWS", "e", "r5"),
    rel("x", "KNOWS", "a", "r6"),
    rel("b", "KNOWS", "c", "r7"),
  ]);
}

/** Node ids of a subgraph or path, in order. */
export function nodeIds(result: Subgraph | PathResult): string[] {
  return result.nodes.map((n) => n.id);
}

/** Relationship ids of a subgraph or path, in order. */
export function relationshipIds(result: Subgraph | PathResult): string[] {
  return result.relationships.map((r) => r.id);
}

/**
 * Asserts that `path` is a found path of exactly `hops` relationships from `fromId` to
 * `toId` whose every relationship joins consecutive nodes, in either orientation.
 */
export function expectValidPath(path: PathResult, fromId: string, toId: string, hops: number) {
  expect(path.found).toBe(true);
  expect(path.nodes).toHaveLength(hops + 1);
  expect(path.relationships).toHaveLength(hops);
  expect(path.nodes[0]?.id).toBe(fromId);
  expect(path.nodes.at(-1)?.id).toBe(toId);
  path.relationships.forEach((r, i) => {
    const ends = [path.nodes[i]?.id, path.nodes[i + 1]?.id].sort();
    expect([r.fromId, r.toId].sort()).toEqual(ends);
  });
}
