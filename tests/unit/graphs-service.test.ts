import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, fromJson, toJson } from "@bufbuild/protobuf";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NotFoundError } from "../../clients/errors.js";
import { EmbeddedGraphStore } from "../../clients/graphs/embedded/store.js";
import type { GraphStore, NeighborsQuery, ShortestPathQuery } from "../../clients/graphs/port.js";
import { deriveRelationshipId } from "../../clients/graphs/relationship-id.js";
import {
  DeleteNodesRequestSchema,
  GetNodeRequestSchema,
  GetNodeResponseSchema,
  NeighborsRequestSchema,
  NeighborsResponseSchema,
  ShortestPathRequestSchema,
  ShortestPathResponseSchema,
  UpsertNodesRequestSchema,
  UpsertRelationshipsRequestSchema,
} from "../../gen/ragplane/v1/graphs_pb.js";
import type { ServiceContext } from "../../server/services/context.js";
import { createGraphsService } from "../../server/services/graphs/service.js";

const context: ServiceContext = {
  tenant: "acme",
  signal: new AbortController().signal,
  deadline: undefined,
  requestId: "test-request",
  peer: "127.0.0.1:1",
  principal: undefined,
};

let dataDir: string;
let store: EmbeddedGraphStore;
let service: ReturnType<typeof createGraphsService>;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ragplane-graphs-service-"));
  store = await EmbeddedGraphStore.open({ dataDir });
  service = createGraphsService(store);
  await service.upsertNodes(
    fromJson(UpsertNodesRequestSchema, {
      nodes: [
        {
          id: "a",
          labels: ["Person"],
          properties: { name: "Ada", tags: ["x", "y"], age: 36, ok: true },
        },
        { id: "b", labels: ["Person"] },
        { id: "c" },
      ],
    }),
    context,
  );
});

afterEach(async () => {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("createGraphsService", () => {
  it("round-trips google.protobuf.Value properties through the port", async () => {
    const response = await service.getNode(create(GetNodeRequestSchema, { id: "a" }), context);
    expect(toJson(GetNodeResponseSchema, create(GetNodeResponseSchema, response))).toEqual({
      node: {
        id: "a",
        labels: ["Person"],
        properties: { name: "Ada", tags: ["x", "y"], age: 36, ok: true },
      },
    });
  });

  it("scopes calls to the context's tenant", async () => {
    const other = { ...context, tenant: "globex" };
    await expect(
      service.getNode(create(GetNodeRequestSchema, { id: "a" }), other),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it("returns derived ids for relationships without one, and counts", async () => {
    const response = await service.upsertRelationships(
      fromJson(UpsertRelationshipsRequestSchema, {
        relationships: [
          { fromId: "a", toId: "b", type: "KNOWS", properties: { since: 2020 } },
          { id: "r2", fromId: "b", toId: "c", type: "KNOWS" },
        ],
      }),
      context,
    );
    expect(response).toEqual({ upserted: 2, ids: [deriveRelationshipId("a", "KNOWS", "b"), "r2"] });
    const deleted = await service.deleteNodes(
      create(DeleteNodesRequestSchema, { ids: ["b"], detach: true }),
      context,
    );
    expect(deleted).toEqual({ deleted: 1, relationshipsDeleted: 2 });
  });

  it("converts the subgraph of Neighbors to messages", async () => {
    await store.upsertRelationships("acme", [
      { id: "r1", fromId: "a", toId: "b", type: "KNOWS", properties: { w: 0.5 } },
    ]);
    const response = await service.neighbors(
      create(NeighborsRequestSchema, { nodeId: "b" }),
      context,
    );
    expect(toJson(NeighborsResponseSchema, create(NeighborsResponseSchema, response))).toEqual({
      nodes: [
        { id: "b", labels: ["Person"] },
        {
          id: "a",
          labels: ["Person"],
          properties: { name: "Ada", tags: ["x", "y"], age: 36, ok: true },
        },
      ],
      relationships: [{ id: "r1", fromId: "a", toId: "b", type: "KNOWS", properties: { w: 0.5 } }],
    });
  });

  it("converts a found shortest path to messages", async () => {
    await store.upsertRelationships("acme", [
      { id: "r1", fromId: "a", toId: "c", type: "T", properties: {} },
    ]);
    const response = await service.shortestPath(
      create(ShortestPathRequestSchema, { fromId: "a", toId: "c" }),
      context,
    );
    expect(
      toJson(ShortestPathResponseSchema, create(ShortestPathResponseSchema, response)),
    ).toEqual({
      found: true,
      nodes: [
        {
          id: "a",
          labels: ["Person"],
          properties: { name: "Ada", tags: ["x", "y"], age: 36, ok: true },
        },
        { id: "c" },
      ],
      relationships: [{ id: "r1", fromId: "a", toId: "c", type: "T" }],
    });
  });
});

describe("createGraphsService subjects", () => {
  it("stores the subject of nodes and relationships and returns it on GetNode, Neighbors (with and without lineage) and ShortestPath", async () => {
    await service.upsertNodes(
      fromJson(UpsertNodesRequestSchema, {
        nodes: [
          { id: "s1", labels: ["Person"], subject: "person:1" },
          { id: "s2", subject: "" },
        ],
      }),
      context,
    );
    await service.upsertRelationships(
      fromJson(UpsertRelationshipsRequestSchema, {
        relationships: [
          { id: "r1", fromId: "s1", toId: "s2", type: "KNOWS", subject: "person:1" },
          { fromId: "s2", toId: "a", type: "KNOWS" },
        ],
      }),
      context,
    );
    expect((await store.getNode("acme", "s1")).subject).toBe("person:1");
    expect(Object.hasOwn(await store.getNode("acme", "s2"), "subject")).toBe(false);

    const got = await service.getNode(create(GetNodeRequestSchema, { id: "s1" }), context);
    expect(toJson(GetNodeResponseSchema, create(GetNodeResponseSchema, got))).toEqual({
      node: { id: "s1", labels: ["Person"], subject: "person:1" },
    });
    for (const withLineage of [false, true]) {
      const response = await service.neighbors(
        create(NeighborsRequestSchema, { nodeId: "s1", withLineage }),
        context,
      );
      expect(toJson(NeighborsResponseSchema, create(NeighborsResponseSchema, response))).toEqual({
        nodes: [{ id: "s1", labels: ["Person"], subject: "person:1" }, { id: "s2" }],
        relationships: [{ id: "r1", fromId: "s1", toId: "s2", type: "KNOWS", subject: "person:1" }],
      });
    }
    const path = await service.shortestPath(
      create(ShortestPathRequestSchema, { fromId: "s1", toId: "s2" }),
      context,
    );
    expect(toJson(ShortestPathResponseSchema, create(ShortestPathResponseSchema, path))).toEqual({
      found: true,
      nodes: [{ id: "s1", labels: ["Person"], subject: "person:1" }, { id: "s2" }],
      relationships: [{ id: "r1", fromId: "s1", toId: "s2", type: "KNOWS", subject: "person:1" }],
    });
  });
});

describe("createGraphsService defaults", () => {
  function recording() {
    const seen: { neighbors?: NeighborsQuery; path?: ShortestPathQuery; signal?: AbortSignal } = {};
    const fake = {
      async neighbors(_tenant: string, query: NeighborsQuery, signal?: AbortSignal) {
        seen.neighbors = query;
        seen.signal = signal;
        return { nodes: [], relationships: [] };
      },
      async shortestPath(_tenant: string, query: ShortestPathQuery) {
        seen.path = query;
        return { found: false, nodes: [], relationships: [] };
      },
    } as Partial<GraphStore> as GraphStore;
    return { seen, service: createGraphsService(fake) };
  }

  it("applies max_depth 1, limit 100 and both directions to Neighbors, and passes the signal", async () => {
    const { seen, service } = recording();
    await service.neighbors(create(NeighborsRequestSchema, { nodeId: "a" }), context);
    expect(seen.neighbors).toEqual({
      nodeId: "a",
      direction: "both",
      types: [],
      labels: [],
      maxDepth: 1,
      limit: 100,
    });
    expect(seen.signal).toBe(context.signal);
  });

  it("keeps explicit Neighbors values", async () => {
    const { seen, service } = recording();
    const request = fromJson(NeighborsRequestSchema, {
      nodeId: "a",
      direction: "DIRECTION_OUT",
      types: ["KNOWS"],
      labels: ["Person"],
      maxDepth: 3,
      limit: 7,
    });
    await service.neighbors(request, context);
    expect(seen.neighbors).toEqual({
      nodeId: "a",
      direction: "out",
      types: ["KNOWS"],
      labels: ["Person"],
      maxDepth: 3,
      limit: 7,
    });
  });

  it("applies max_depth 5 and both directions to ShortestPath", async () => {
    const { seen, service } = recording();
    await service.shortestPath(
      fromJson(ShortestPathRequestSchema, { fromId: "a", toId: "b", direction: "DIRECTION_IN" }),
      context,
    );
    expect(seen.path).toEqual({ fromId: "a", toId: "b", types: [], maxDepth: 5, direction: "in" });
    await service.shortestPath(
      create(ShortestPathRequestSchema, { fromId: "a", toId: "b" }),
      context,
    );
    expect(seen.path?.direction).toBe("both");
  });
});
