import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QuotaFailureSchema, RetryInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { AdminService } from "../../gen/ragplane/v1/admin_pb.js";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { rejection } from "../support/errors.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
const overrides = join(tmpdir(), `ragplane-quotas-${process.pid}.json`);

beforeAll(async () => {
  writeFileSync(overrides, JSON.stringify({ tenants: { roomy: { collections: 0, points: 0 } } }));
  server = await startTestServer({
    QUOTA_COLLECTIONS: "2",
    QUOTA_POINTS: "5",
    QUOTA_STORED_BYTES: "100",
    QUOTA_TOPICS: "2",
    QUOTA_PARTITIONS: "4",
    QUOTA_NODES: "3",
    QUOTA_RELATIONSHIPS: "2",
    QUOTAS_FILE: overrides,
  });
});
afterAll(() => server?.close());

async function clientsOf(tenant: string) {
  const key = await server.createKey(tenant, [
    "vectors:read",
    "vectors:write",
    "events:write",
    "events:read",
    "graphs:write",
    "graphs:read",
    "admin",
  ]);
  const transport = server.transport("grpc-js", { apiKey: key });
  return {
    vectors: createClient(VectorsService, transport),
    events: createClient(EventsService, transport),
    graphs: createClient(GraphsService, transport),
    admin: createClient(AdminService, transport),
  };
}

function expectQuotaFailure(error: Awaited<ReturnType<typeof rejection>>, resource: string) {
  expect(error.code).toBe(Code.ResourceExhausted);
  const [violation] = error.findDetails(QuotaFailureSchema)[0]?.violations ?? [];
  expect(violation?.quotaId).toBe(resource);
  expect(error.findDetails(RetryInfoSchema)).toHaveLength(0);
  return violation;
}

const point = (id: string) => ({ id, vector: [0.1, 0.2] });

describe("per-tenant quotas", () => {
  it("refuses a collection past the quota with QuotaFailure, and creates nothing", async () => {
    const { vectors } = await clientsOf("q-collections");
    for (const name of ["a", "b"]) {
      await vectors.createCollection({ name, dimension: 2, distance: Distance.COSINE });
    }
    const error = await rejection(
      vectors.createCollection({ name: "c", dimension: 2, distance: Distance.COSINE }),
    );
    const violation = expectQuotaFailure(error, "collections");
    expect(violation?.quotaValue).toBe(2n);
    expect(violation?.subject).toBe("tenant:q-collections");
    const { collections } = await vectors.listCollections({});
    expect(collections.map((c) => c.name)).toEqual(["a", "b"]);
    await vectors.deleteCollection({ name: "b" });
    await vectors.createCollection({ name: "c", dimension: 2, distance: Distance.COSINE });
  });

  it("counts points by distinct new id: replacing existing points at the quota is allowed", async () => {
    const { vectors } = await clientsOf("q-points");
    await vectors.createCollection({ name: "docs", dimension: 2, distance: Distance.COSINE });
    await vectors.upsert({ collection: "docs", points: ["1", "2", "3", "4"].map(point) });
    const refused = await rejection(
      vectors.upsert({ collection: "docs", points: ["5", "6"].map(point) }),
    );
    expectQuotaFailure(refused, "points");
    expect((await vectors.count({ collection: "docs" })).count).toBe(4n);
    await vectors.upsert({ collection: "docs", points: ["1", "2", "5"].map(point) });
    await vectors.upsert({ collection: "docs", points: ["1", "5"].map(point) });
    expect((await vectors.count({ collection: "docs" })).count).toBe(5n);
  });

  it("bounds stored vector bytes (4 per dimension per point)", async () => {
    const { vectors } = await clientsOf("q-bytes");
    await vectors.createCollection({ name: "wide", dimension: 20, distance: Distance.DOT });
    const wide = (id: string) => ({ id, vector: Array.from({ length: 20 }, () => 0.5) });
    await vectors.upsert({ collection: "wide", points: [wide("a")] });
    expectQuotaFailure(
      await rejection(vectors.upsert({ collection: "wide", points: [wide("b")] })),
      "stored_bytes",
    );
  });

  it("bounds topics and their partitions", async () => {
    const { events } = await clientsOf("q-topics");
    await events.createTopic({ name: "one", partitions: 3 });
    expectQuotaFailure(
      await rejection(events.createTopic({ name: "two", partitions: 2 })),
      "partitions",
    );
    await events.createTopic({ name: "two", partitions: 1 });
    expectQuotaFailure(
      await rejection(events.createTopic({ name: "three", partitions: 1 })),
      "topics",
    );
    const { topics } = await events.listTopics({});
    expect(topics.map((t) => t.name)).toEqual(["one", "two"]);
  });

  it("bounds nodes and relationships, counting replaced ones as nothing new", async () => {
    const { graphs } = await clientsOf("q-graph");
    const nodes = (...ids: string[]) => ids.map((id) => ({ id, labels: ["N"] }));
    await graphs.upsertNodes({ nodes: nodes("a", "b", "c") });
    expectQuotaFailure(await rejection(graphs.upsertNodes({ nodes: nodes("d") })), "nodes");
    await graphs.upsertNodes({ nodes: nodes("a", "b", "c") });
    const rel = (fromId: string, toId: string) => ({ fromId, toId, type: "LINKS" });
    await graphs.upsertRelationships({ relationships: [rel("a", "b"), rel("b", "c")] });
    expectQuotaFailure(
      await rejection(graphs.upsertRelationships({ relationships: [rel("c", "a")] })),
      "relationships",
    );
    await graphs.upsertRelationships({ relationships: [rel("a", "b")] });
  });

  it("applies a tenant's overrides from QUOTAS_FILE (0: no limit)", async () => {
    const { vectors } = await clientsOf("roomy");
    for (const name of ["a", "b", "c"]) {
      await vectors.createCollection({ name, dimension: 2, distance: Distance.COSINE });
    }
    await vectors.upsert({ collection: "a", points: ["1", "2", "3", "4", "5", "6"].map(point) });
  });

  it("reports usage against quotas through GetTenantUsage, own tenant only", async () => {
    const { vectors, admin } = await clientsOf("q-usage");
    await vectors.createCollection({ name: "docs", dimension: 2, distance: Distance.COSINE });
    await vectors.upsert({ collection: "docs", points: ["1", "2", "3"].map(point) });
    const usage = await admin.getTenantUsage({});
    expect(usage.tenant).toBe("q-usage");
    const byResource = Object.fromEntries(
      usage.resources.map((r) => [r.resource, [r.used, r.quota]]),
    );
    expect(byResource).toEqual({
      collections: [1n, 2n],
      points: [3n, 5n],
      stored_bytes: [24n, 100n],
      topics: [0n, 2n],
      partitions: [0n, 4n],
      nodes: [0n, 3n],
      relationships: [0n, 2n],
    });
    expect((await rejection(admin.getTenantUsage({ tenant: "q-points" }))).code).toBe(
      Code.PermissionDenied,
    );
    const platform = createClient(AdminService, server.transport("grpc-js"));
    const other = await platform.getTenantUsage({ tenant: "q-points" });
    expect(other.resources.find((r) => r.resource === "points")?.used).toBe(5n);
  });

  it("exports refusals and the highest usage ratio as metrics, without tenant labels", async () => {
    const text = await server.metrics.registry.metrics();
    expect(text).toMatch(/ragplane_quota_refusals_total\{resource="points"\} [1-9]/);
    expect(text).toMatch(/ragplane_quota_usage_ratio_max\{resource="points"\} 1\b/);
    expect(text).toMatch(/ragplane_tenants_near_quota\{resource="points"\} [1-9]/);
    expect(text).not.toMatch(/ragplane_(quota|tenants)[^\n]*tenant=/);
  });
});
