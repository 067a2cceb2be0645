import { create, fromJson, type MessageInitShape, toJson } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { Direction, GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { LineageSchema } from "../../gen/ragplane/v1/lineage_pb.js";
import {
  type ExpansionSchema,
  RetrievalService,
  RetrievedHitSchema,
} from "../../gen/ragplane/v1/retrieval_pb.js";
import { type Filter, FilterSchema, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { toLineageInit } from "../../server/lineage/convert.js";
import { rejection } from "../support/errors.js";
import {
  expectReferenceAnswer,
  type KnowledgeBase,
  type LineageItems,
  sampleLineage,
  seedKnowledgeBase,
  seedLineageItems,
} from "../support/retrieval.js";
import { startTestServer, type TestServer, transportNames } from "../support/server.js";
import { plain, values } from "../support/values.js";
import { seedDenseGraph } from "./retrieval.support.js";

/** What a reference case sets besides the collection and vector. */
interface RequestShape {
  readonly limit?: number;
  readonly expand?: MessageInitShape<typeof ExpansionSchema>;
  readonly filter?: Filter;
  readonly minScore?: number;
}

const tenant = "default";
let server: TestServer;
let base: KnowledgeBase;
let ingested: LineageItems;

const clients = (transportName: (typeof transportNames)[number] = "grpc-js") => {
  const transport = server.transport(transportName);
  return {
    vectors: createClient(VectorsService, transport),
    graphs: createClient(GraphsService, transport),
    retrieval: createClient(RetrievalService, transport),
  };
};

beforeAll(async () => {
  server = await startTestServer();
  const { vectors, graphs } = clients();
  base = await seedKnowledgeBase(vectors, graphs, "kb-");
  ingested = await seedLineageItems(server.engines, tenant, "in-");
});
afterAll(() => server.close());

/** A lineage as it comes back over the wire, as JSON. */
const lineageJson = (offset: bigint) =>
  toJson(LineageSchema, create(LineageSchema, toLineageInit(sampleLineage(offset))));

describe("Retrieve against separate Search and Neighbors calls", () => {
  const depthOne = { depth: 1 };
  const cases: [string, RequestShape][] = [
    ["depth 1", { expand: depthOne }],
    ["depth 2, 5 nodes per hit", { expand: { depth: 2, limit: 5 } }],
    [
      "depth 3 outwards over two types",
      { expand: { depth: 3, limit: 7, types: ["KNOWS", "CITES"], direction: Direction.OUT } },
    ],
    ["depth 2 inwards, 25 hits", { limit: 25, expand: { depth: 2, direction: Direction.IN } }],
    ["depth 0: the entities alone", { expand: { depth: 0 } }],
    ["no expansion", {}],
    [
      "a filter and a minimum score",
      {
        filter: fromJson(FilterSchema, { must: [{ key: "lang", match: { value: "en" } }] }),
        minScore: 0.1,
        expand: { depth: 1, limit: 3 },
      },
    ],
  ];

  it.each(cases)("gives the same hits, nodes and relationships: %s", async (_name, shape) => {
    const answer = await expectReferenceAnswer(clients(), {
      collection: base.collection,
      vector: base.query,
      ...shape,
    });
    expect(answer.hits.length).toBeGreaterThan(0);
  });

  it("finds entities, neighbours and relationships in the seeded data (the reference is not vacuous)", async () => {
    const answer = await clients().retrieval.retrieve({
      collection: base.collection,
      vector: base.query,
      limit: 20,
      expand: { depth: 2, limit: 10 },
    });
    expect(answer.hits).toHaveLength(20);
    expect(answer.hits.some((hit) => hit.nodes.length > hit.entityIds.length)).toBe(true);
    expect(answer.hits.some((hit) => hit.relationships.length > 0)).toBe(true);
    expect(answer.hits.some((hit) => hit.entityIds.some((id) => id.includes("ghost")))).toBe(true);
  });

  it.each(transportNames)("answers the same over %s", async (transportName) => {
    const request = { collection: base.collection, vector: base.query, expand: { depth: 2 } };
    const over = await clients(transportName).retrieval.retrieve(request);
    const reference = await clients().retrieval.retrieve(request);
    expect(over.hits.map((hit) => toJson(RetrievedHitSchema, hit))).toEqual(
      reference.hits.map((hit) => toJson(RetrievedHitSchema, hit)),
    );
  });

  it("reads a collection through an alias, for Retrieve and GetLineage alike", async () => {
    const { vectors, retrieval } = clients();
    await vectors.putAlias({ alias: "kb-current", collection: base.collection });
    await vectors.putAlias({ alias: "in-current", collection: ingested.collection });
    const request = { vector: base.query, expand: { depth: 2 } };
    const direct = await retrieval.retrieve({ ...request, collection: base.collection });
    const aliased = await retrieval.retrieve({ ...request, collection: "kb-current" });
    expect(aliased.hits.map((hit) => toJson(RetrievedHitSchema, hit))).toEqual(
      direct.hits.map((hit) => toJson(RetrievedHitSchema, hit)),
    );
    const { lineage } = await retrieval.getLineage({
      target: { case: "point", value: { collection: "in-current", id: ingested.point } },
    });
    expect(lineage?.offset).toBe(7n);
  });

  it("is NOT_FOUND for a missing collection and INVALID_ARGUMENT for a bad expansion", async () => {
    const missing = await rejection(
      clients().retrieval.retrieve({ collection: "nope", vector: base.query }),
    );
    expect(missing.code).toBe(Code.NotFound);
    const bad = await rejection(
      clients().retrieval.retrieve({
        collection: base.collection,
        vector: base.query,
        limit: 101,
        expand: { depth: 4, limit: 201, types: ["bad-type"] },
      }),
    );
    expect(bad.code).toBe(Code.InvalidArgument);
    const [details] = bad.findDetails(BadRequestSchema);
    expect(details?.fieldViolations.map((v) => v.field)).toEqual([
      "limit",
      "expand.depth",
      "expand.types[0]",
      "expand.limit",
    ]);
  });
});

describe("Retrieve near its deadline", () => {
  it("answers every hit, marked partial, before the deadline passes", async () => {
    const dense = await seedDenseGraph(server.engines, tenant, "dense-");
    const request = {
      collection: dense.collection,
      vector: dense.query,
      limit: 100,
      expand: { depth: 3, limit: 200 },
    };
    const { retrieval, vectors } = clients();
    await retrieval.retrieve(request, { timeoutMs: 300 }).catch(() => undefined);
    const timeoutMs = 300;
    const started = performance.now();
    const answer = await retrieval.retrieve(request, { timeoutMs });
    expect(performance.now() - started).toBeLessThan(timeoutMs);
    expect(answer.partial).toBe(true);
    expect(answer.hits).toHaveLength(100);
    expect(answer.hits[0]!.nodes.length).toBeGreaterThan(answer.hits[0]!.entityIds.length);
    const searched = await vectors.search({ ...request, withPayload: true });
    expect(answer.hits.map((hit) => hit.hit?.id)).toEqual(searched.hits.map((hit) => hit.id));
  });
});

describe("scopes", () => {
  it("refuses Retrieve and GetLineage to a key without both vectors:read and graphs:read", async () => {
    for (const scopes of [["vectors:read"], ["graphs:read"]] as const) {
      const key = await server.createKey(tenant, scopes);
      const retrieval = createClient(
        RetrievalService,
        server.transport("grpc-js", { apiKey: key }),
      );
      const refused = await rejection(
        retrieval.retrieve({ collection: base.collection, vector: base.query }),
      );
      expect(refused.code).toBe(Code.PermissionDenied);
      const lineage = await rejection(
        retrieval.getLineage({ target: { case: "nodeId", value: base.node(1) } }),
      );
      expect(lineage.code).toBe(Code.PermissionDenied);
    }
    const both = await server.createKey(tenant, ["vectors:read", "graphs:read"]);
    const retrieval = createClient(RetrievalService, server.transport("grpc-js", { apiKey: both }));
    const answer = await retrieval.retrieve({ collection: base.collection, vector: base.query });
    expect(answer.hits.length).toBeGreaterThan(0);
  });
});

describe("reserved keys", () => {
  const violations = async (call: Promise<unknown>) => {
    const error = await rejection(call);
    expect(error.code).toBe(Code.InvalidArgument);
    return error.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field);
  };

  it("refuses writes of reserved payload and property keys, and filters on them", async () => {
    const { vectors, graphs, retrieval } = clients();
    expect(
      await violations(
        vectors.upsert({
          collection: base.collection,
          points: [{ id: "x", vector: base.query, payload: { _rp_lineage_topic: "forged" } }],
        }),
      ),
    ).toEqual(['points[0].payload["_rp_lineage_topic"]']);
    expect(
      await violations(
        vectors.upsertStream(
          (async function* () {
            yield {
              collection: base.collection,
              points: [{ id: "x", vector: base.query, payload: { _rp_x: 1 } }],
            };
          })(),
        ),
      ),
    ).toEqual(['points[0].payload["_rp_x"]']);
    expect(
      await violations(
        graphs.upsertNodes({
          nodes: [{ id: "x", properties: values({ _rp_lineage_offset: "1" }) }],
        }),
      ),
    ).toEqual(['nodes[0].properties["_rp_lineage_offset"]']);
    expect(
      await violations(
        graphs.upsertRelationships({
          relationships: [
            {
              fromId: base.node(0),
              toId: base.node(1),
              type: "KNOWS",
              properties: values({ _rp_a: true }),
            },
          ],
        }),
      ),
    ).toEqual(['relationships[0].properties["_rp_a"]']);
    const reservedFilter = fromJson(FilterSchema, {
      must: [{ key: "_rp_lineage_topic", match: { value: "docs" } }],
    });
    expect(
      await violations(
        vectors.search({ collection: base.collection, vector: base.query, filter: reservedFilter }),
      ),
    ).toEqual(["filter.must[0].key"]);
    expect(
      await violations(
        retrieval.retrieve({
          collection: base.collection,
          vector: base.query,
          filter: reservedFilter,
        }),
      ),
    ).toEqual(["filter.must[0].key"]);
    expect((await vectors.get({ collection: base.collection, ids: ["x"] })).points).toEqual([]);
    await expect(graphs.getNode({ id: "x" })).rejects.toMatchObject({ code: Code.NotFound });
  });

  it("never shows reserved keys in what any read returns", async () => {
    const { vectors, graphs, retrieval } = clients();
    const [nodeA, nodeB] = ingested.nodes;
    const payloads = [
      (await vectors.get({ collection: ingested.collection, ids: [ingested.point] })).points[0]
        ?.payload,
      (await vectors.scroll({ collection: ingested.collection, withPayload: true })).points[0]
        ?.payload,
      (
        await vectors.search({
          collection: ingested.collection,
          vector: base.query,
          withPayload: true,
          withLineage: true,
        })
      ).hits[0]?.payload,
      (
        await retrieval.retrieve({
          collection: ingested.collection,
          vector: base.query,
          withLineage: true,
        })
      ).hits[0]?.hit?.payload,
    ];
    for (const payload of payloads) {
      expect(payload).toEqual({ text: "Ada designed it", entity_ids: [nodeA, nodeB] });
    }
    const nodes = [
      (await graphs.getNode({ id: nodeA })).node,
      ...(await graphs.neighbors({ nodeId: nodeA, withLineage: true })).nodes,
      ...(await graphs.shortestPath({ fromId: nodeA, toId: nodeB })).nodes,
      ...(
        await retrieval.retrieve({
          collection: ingested.collection,
          vector: base.query,
          expand: {},
          withLineage: true,
        })
      ).hits[0]!.nodes,
    ];
    expect(nodes).toHaveLength(7);
    for (const node of nodes) expect(Object.keys(plain(node?.properties ?? {}))).toEqual(["name"]);
    const relationships = [
      ...(await graphs.neighbors({ nodeId: nodeA })).relationships,
      ...(await graphs.shortestPath({ fromId: nodeA, toId: nodeB })).relationships,
    ];
    expect(relationships).toHaveLength(2);
    for (const r of relationships) expect(plain(r.properties)).toEqual({ year: 1837 });
  });
});

describe("lineage", () => {
  it("comes with hits, nodes and relationships when asked for, and only then", async () => {
    const { retrieval, graphs } = clients();
    const request = { collection: ingested.collection, vector: base.query, expand: { depth: 1 } };
    const [withLineage] = (await retrieval.retrieve({ ...request, withLineage: true })).hits;
    expect(toJson(LineageSchema, withLineage!.hit!.lineage!)).toEqual(lineageJson(7n));
    expect(withLineage!.nodes.map((n) => toJson(LineageSchema, n.lineage!))).toEqual([
      lineageJson(8n),
      lineageJson(9n),
    ]);
    expect(withLineage!.relationships.map((r) => toJson(LineageSchema, r.lineage!))).toEqual([
      lineageJson(10n),
    ]);
    const [without] = (await retrieval.retrieve(request)).hits;
    expect(without!.hit!.lineage).toBeUndefined();
    expect(without!.nodes.every((n) => n.lineage === undefined)).toBe(true);
    expect(without!.relationships.every((r) => r.lineage === undefined)).toBe(true);
    const neighbours = await graphs.neighbors({ nodeId: ingested.nodes[0], withLineage: true });
    expect(neighbours.nodes.map((n) => n.lineage?.offset)).toEqual([8n, 9n]);
    expect(neighbours.relationships.map((r) => r.lineage?.offset)).toEqual([10n]);
  });

  it("GetLineage answers for a point, a node and a relationship written by ingestion", async () => {
    const { retrieval } = clients();
    const of = async (target: Parameters<typeof retrieval.getLineage>[0]["target"]) => {
      const { lineage } = await retrieval.getLineage({ target });
      return lineage === undefined ? undefined : toJson(LineageSchema, lineage);
    };
    expect(
      await of({ case: "point", value: { collection: ingested.collection, id: ingested.point } }),
    ).toEqual(lineageJson(7n));
    expect(await of({ case: "nodeId", value: ingested.nodes[1] })).toEqual(lineageJson(9n));
    expect(await of({ case: "relationshipId", value: ingested.relationship })).toEqual(
      lineageJson(10n),
    );
  });

  it("GetLineage leaves the lineage unset for items written directly, NOT_FOUND for missing ones", async () => {
    const { retrieval } = clients();
    const direct = [
      { case: "point", value: { collection: base.collection, id: "kb-p0" } },
      { case: "nodeId", value: base.node(0) },
      { case: "relationshipId", value: "kb-r0" },
    ] as const;
    for (const target of direct) {
      expect((await retrieval.getLineage({ target })).lineage).toBeUndefined();
    }
    const missing = [
      { case: "point", value: { collection: base.collection, id: "nope" } },
      { case: "point", value: { collection: "no-such-collection", id: "kb-p0" } },
      { case: "nodeId", value: "nope" },
      { case: "relationshipId", value: "nope" },
    ] as const;
    for (const target of missing) {
      const error = await rejection(retrieval.getLineage({ target }));
      expect(error.code).toBe(Code.NotFound);
    }
  });
});
