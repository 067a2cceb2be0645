import { create, type JsonValue, type MessageInitShape, toJson } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { expect } from "vitest";
import type { GraphNode, GraphStore, RelationshipInput } from "../../clients/graphs/port.js";
import type { PointInput, VectorStore } from "../../clients/vectors/port.js";
import {
  type GraphsService,
  type Node,
  NodeSchema,
  type Relationship,
  RelationshipSchema,
} from "../../gen/ragplane/v1/graphs_pb.js";
import {
  type RetrievalService,
  RetrievedHitSchema,
  type RetrieveRequest,
  RetrieveRequestSchema,
  type RetrieveResponse,
} from "../../gen/ragplane/v1/retrieval_pb.js";
import { Distance, HitSchema, type VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { type LineageRecord, lineageFields } from "../../server/lineage/fields.js";
import { values } from "./values.js";

/** A small deterministic generator (mulberry32), so every run builds the same data. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What {@link seedKnowledgeBase} wrote: the collection, and ids named by prefix. */
export interface KnowledgeBase {
  readonly collection: string;
  /** Node id of entity `i`. */
  node(i: number): string;
  /** A query vector near some of the points. */
  readonly query: number[];
}

/** The dimension of the knowledge base's vectors. */
export const dimension = 8;

/**
 * Writes, through the public API, a collection of 40 chunks whose payloads list 1 to 5
 * entity ids (some of nodes that do not exist), and a graph of 50 entities joined by 120
 * relationships of three types. Ids start with `prefix`.
 */
export async function seedKnowledgeBase(
  vectors: Client<typeof VectorsService>,
  graphs: Client<typeof GraphsService>,
  prefix: string,
): Promise<KnowledgeBase> {
  const next = seededRandom(42);
  const node = (i: number) => `${prefix}e${i}`;
  const collection = `${prefix}chunks`;
  await vectors.createCollection({ name: collection, dimension, distance: Distance.COSINE });
  await graphs.upsertNodes({
    nodes: Array.from({ length: 50 }, (_, i) => ({
      id: node(i),
      labels: [i % 2 === 0 ? "Person" : "Topic"],
      properties: values({ name: `entity ${i}` }),
    })),
  });
  const types = ["KNOWS", "CITES", "PART_OF"];
  const relationships = new Map<string, { fromId: string; toId: string; type: string }>();
  while (relationships.size < 120) {
    const fromId = node(Math.floor(next() * 50));
    const toId = node(Math.floor(next() * 50));
    const type = types[Math.floor(next() * 3)]!;
    relationships.set(`${fromId}|${type}|${toId}`, { fromId, toId, type });
  }
  await graphs.upsertRelationships({
    relationships: [...relationships.values()].map((r, i) => ({
      ...r,
      id: `${prefix}r${i}`,
      properties: values({ weight: i }),
    })),
  });
  const vector = () => Array.from({ length: dimension }, () => next() * 2 - 1);
  await vectors.upsert({
    collection,
    points: Array.from({ length: 40 }, (_, i) => {
      const mentions = Array.from({ length: 1 + Math.floor(next() * 5) }, () =>
        next() < 0.1 ? `${prefix}ghost${i}` : node(Math.floor(next() * 50)),
      );
      return {
        id: `${prefix}p${i}`,
        vector: vector(),
        payload: { title: `chunk ${i}`, lang: i % 3 === 0 ? "de" : "en", entity_ids: mentions },
      };
    }),
  });
  return { collection, node, query: vector() };
}

/** A lineage record for tests. */
export function sampleLineage(offset: bigint): LineageRecord {
  return {
    topic: "docs",
    partition: 2,
    offset,
    eventId: `event-${offset}`,
    eventTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
    projectedTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 6)),
  };
}

/** Ids of the items {@link seedLineageItems} wrote. */
export interface LineageItems {
  readonly collection: string;
  readonly point: string;
  readonly nodes: readonly [string, string];
  readonly relationship: string;
}

/**
 * Writes, through the ports as ingestion does, a point mentioning two nodes joined by a
 * relationship, each carrying lineage in its reserved keys.
 */
export async function seedLineageItems(
  stores: { readonly vectors: VectorStore; readonly graphs: GraphStore },
  tenant: string,
  prefix: string,
): Promise<LineageItems> {
  const items: LineageItems = {
    collection: `${prefix}ingested`,
    point: `${prefix}chunk`,
    nodes: [`${prefix}ada`, `${prefix}analytical-engine`],
    relationship: `${prefix}designed`,
  };
  await stores.vectors.createCollection(tenant, {
    name: items.collection,
    dimension,
    distance: "cosine",
    payloadIndexes: [],
  });
  const point: PointInput = {
    id: items.point,
    vector: Array.from({ length: dimension }, (_, i) => i + 1),
    payload: {
      text: "Ada designed it",
      entity_ids: [...items.nodes],
      ...lineageFields(sampleLineage(7n)),
    },
  };
  await stores.vectors.upsert(tenant, items.collection, [point]);
  const nodes: GraphNode[] = items.nodes.map((id, i) => ({
    id,
    labels: ["Entity"],
    properties: { name: id, ...lineageFields(sampleLineage(BigInt(8 + i))) },
  }));
  await stores.graphs.upsertNodes(tenant, nodes);
  const relationship: RelationshipInput = {
    id: items.relationship,
    fromId: items.nodes[0],
    toId: items.nodes[1],
    type: "DESIGNED",
    properties: { year: 1837, ...lineageFields(sampleLineage(10n)) },
  };
  await stores.graphs.upsertRelationships(tenant, [relationship]);
  return items;
}

/** Clients of the services a reference answer is computed from. */
export interface ReferenceClients {
  readonly vectors: Client<typeof VectorsService>;
  readonly graphs: Client<typeof GraphsService>;
}

type RetrieveInit = MessageInitShape<typeof RetrieveRequestSchema>;

/** One entity as the reference sees it: its node, what lies around it and at what depth. */
interface EntityAround {
  readonly node: Node;
  readonly reached: ReadonlyMap<string, { readonly node: Node; readonly depth: number }>;
  readonly relationships: readonly Relationship[];
}

/**
 * What Retrieve must answer, computed from separate Search and Neighbors calls, as JSON:
 * the Search hits with their payloads; each hit's entity ids (the distinct strings of
 * `entity_ids`, at most 32); its entity nodes, then the nodes within `depth` of any of
 * them by (least depth, id) up to the limit, a node's depth from an entity being the least
 * `max_depth` at which Neighbors returns it; and the relationships the deepest Neighbors
 * calls return between kept nodes, by id.
 */
export async function referenceRetrieve(
  clients: ReferenceClients,
  init: RetrieveInit,
): Promise<JsonValue[]> {
  const request: RetrieveRequest = create(RetrieveRequestSchema, init);
  const { hits } = await clients.vectors.search({
    collection: request.collection,
    vector: request.vector,
    limit: request.limit || 10,
    ...(request.filter === undefined ? {} : { filter: request.filter }),
    ...(request.minScore === undefined ? {} : { scoreThreshold: request.minScore }),
    withPayload: true,
    withLineage: request.withLineage,
  });
  const entityIds = hits.map((hit) => {
    const listed = hit.payload?.entity_ids;
    const strings = Array.isArray(listed)
      ? listed.filter((id): id is string => typeof id === "string")
      : [];
    return [...new Set(strings.filter((id) => id !== ""))].slice(0, 32);
  });
  const expand = request.expand;
  const around = new Map<string, EntityAround | undefined>();
  if (expand !== undefined) {
    for (const id of new Set(entityIds.flat())) {
      around.set(id, await entityAround(clients, id, request));
    }
  }
  return hits.map((hit, i) => {
    const ids = entityIds[i]!;
    const entities = ids.flatMap((id) => around.get(id)?.node ?? []);
    const entitySet = new Set(entities.map((node) => node.id));
    const others = new Map<string, { node: Node; depth: number }>();
    for (const id of ids) {
      for (const [otherId, found] of around.get(id)?.reached ?? []) {
        if (entitySet.has(otherId)) continue;
        const known = others.get(otherId);
        if (known === undefined || found.depth < known.depth) others.set(otherId, found);
      }
    }
    const kept = [...others.values()]
      .sort((a, b) => a.depth - b.depth || (a.node.id < b.node.id ? -1 : 1))
      .slice(0, expand?.limit || 20)
      .map((found) => found.node);
    const nodes = [...entities, ...kept];
    const keptIds = new Set(nodes.map((node) => node.id));
    const relationships = new Map<string, Relationship>();
    for (const id of ids) {
      for (const r of around.get(id)?.relationships ?? []) {
        if (keptIds.has(r.fromId) && keptIds.has(r.toId)) relationships.set(r.id, r);
      }
    }
    const sorted = [...relationships.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    return {
      hit: toJson(HitSchema, hit),
      ...(ids.length === 0 ? {} : { entityIds: ids }),
      ...(nodes.length === 0 ? {} : { nodes: nodes.map((node) => toJson(NodeSchema, node)) }),
      ...(sorted.length === 0
        ? {}
        : { relationships: sorted.map((r) => toJson(RelationshipSchema, r)) }),
    };
  });
}

async function entityAround(
  clients: ReferenceClients,
  nodeId: string,
  request: RetrieveRequest,
): Promise<EntityAround | undefined> {
  const expand = request.expand!;
  const walk = (maxDepth: number, limit: number) =>
    clients.graphs.neighbors({
      nodeId,
      maxDepth,
      limit,
      types: expand.types,
      direction: expand.direction,
      withLineage: request.withLineage,
    });
  const start = await walk(1, 1).catch(() => undefined);
  const node = start?.nodes[0];
  if (node === undefined) return undefined;
  const reached = new Map<string, { node: Node; depth: number }>();
  let relationships: Relationship[] = [];
  for (let depth = 1; depth <= expand.depth; depth++) {
    const answer = await walk(depth, 1000);
    for (const found of answer.nodes.slice(1)) {
      if (!reached.has(found.id)) reached.set(found.id, { node: found, depth });
    }
    relationships = answer.relationships;
  }
  return { node, reached, relationships };
}

/** Asserts that Retrieve answers exactly the reference for the same request, not partially. */
export async function expectReferenceAnswer(
  clients: ReferenceClients & { readonly retrieval: Client<typeof RetrievalService> },
  init: RetrieveInit,
): Promise<RetrieveResponse> {
  const answer = await clients.retrieval.retrieve(init);
  expect(answer.partial).toBe(false);
  const expected = await referenceRetrieve(clients, init);
  expect(answer.hits.map((hit) => toJson(RetrievedHitSchema, hit))).toEqual(expected);
  return answer;
}
