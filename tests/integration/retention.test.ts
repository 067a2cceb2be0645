import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/google/rpc/error_details_pb.js";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { auditTenant, auditTopic } from "../../security/audit/log-audit.js";
import { rejection } from "../support/errors.js";
import { eventually, seedExpiringItems } from "../support/retention.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let vectors: ReturnType<typeof createClient<typeof VectorsService>>;
let graphs: ReturnType<typeof createClient<typeof GraphsService>>;

beforeAll(async () => {
  server = await startTestServer({
    RETENTION_SWEEP_INTERVAL_MS: "150",
    AUDIT_RETENTION: "1h",
  });
  vectors = createClient(VectorsService, server.transport("grpc-js"));
  graphs = createClient(GraphsService, server.transport("connect"));
});
afterAll(async () => {
  await server?.close();
});

async function metricsText(): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${server.ports.metricsPort}/metrics`);
  return response.text();
}

describe("retention through a running server", () => {
  it("reports and changes a collection's maximum age, and refuses one under a second", async () => {
    const created = await vectors.createCollection({
      name: "kept",
      dimension: 2,
      distance: Distance.DOT,
      maxAge: durationFromMs(86_400_000),
    });
    expect(Number(created.collection?.maxAge?.seconds)).toBe(86_400);
    const changed = await vectors.setCollectionRetention({
      name: "kept",
      maxAge: durationFromMs(3_600_000),
    });
    expect(Number(changed.collection?.maxAge?.seconds)).toBe(3_600);
    const listed = await vectors.listCollections({});
    expect(listed.collections.find((c) => c.name === "kept")?.maxAge?.seconds).toBe(3_600n);
    await vectors.setCollectionRetention({ name: "kept" });
    expect((await vectors.getCollection({ name: "kept" })).collection?.maxAge).toBeUndefined();

    const error = await rejection(
      vectors.setCollectionRetention({ name: "kept", maxAge: durationFromMs(500) }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    const [details] = error.findDetails(BadRequestSchema);
    expect(details?.fieldViolations.map((v) => v.field)).toEqual(["max_age"]);
    const missing = await rejection(
      vectors.setCollectionRetention({ name: "nope", maxAge: durationFromMs(5_000) }),
    );
    expect(missing.code).toBe(Code.NotFound);
  });

  it("sets, lists and clears label retentions, refusing a bad label", async () => {
    await graphs.setLabelRetention({ label: "Draft", maxAge: durationFromMs(60_000) });
    const set = await graphs.setLabelRetention({ label: "Tmp", maxAge: durationFromMs(5_000) });
    expect(set.retention).toMatchObject({ label: "Tmp", maxAge: { seconds: 5n } });
    await graphs.setLabelRetention({ label: "Draft" });
    const listed = await graphs.listLabelRetentions({});
    expect(listed.retentions.map((r) => [r.label, Number(r.maxAge?.seconds)])).toEqual([
      ["Tmp", 5],
    ]);
    await graphs.setLabelRetention({ label: "Tmp" });
    const error = await rejection(graphs.setLabelRetention({ label: "9bad" }));
    expect(error.code).toBe(Code.InvalidArgument);
  });

  it("deletes points and nodes older than their maximum age, keeps newer ones, and reports it", async () => {
    await seedExpiringItems(vectors, graphs, 2);

    const left = await eventually(
      () => vectors.get({ collection: "expiring", ids: ["old-1", "old-2", "new"] }),
      (response) => response.points.length === 1,
    );
    expect(left.points.map((p) => p.id)).toEqual(["new"]);
    const missing = await eventually(
      () => rejection(graphs.getNode({ id: "s-old" })).catch(() => undefined),
      (error) => error?.code === Code.NotFound,
    );
    expect(missing?.code).toBe(Code.NotFound);
    expect((await graphs.getNode({ id: "s-new" })).node?.labels).toEqual(["Session"]);
    const around = await graphs.neighbors({ nodeId: "person", maxDepth: 1 });
    expect(around.nodes.map((n) => n.id)).toEqual(["person"]);
    expect(around.relationships).toEqual([]);

    await server.security.auditTrail.flush();
    const page = await server.security.audit.query({
      tenant: "default",
      types: ["data.delete"],
      limit: 100,
    });
    const sweeps = page.events.filter((event) => event.reason === "retention");
    expect(sweeps.map((event) => event.details)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ collection: "expiring", points: "2" }),
        expect.objectContaining({ label: "Session", nodes: "1", relationships: "1" }),
      ]),
    );
    expect(sweeps.every((event) => event.principal === "" && event.tenant === "default")).toBe(
      true,
    );

    const text = await metricsText();
    expect(text).toMatch(/ragplane_retention_removed_total\{kind="points"\} 2\b/);
    expect(text).toMatch(/ragplane_retention_removed_total\{kind="nodes"\} 1\b/);
    expect(text).toMatch(/ragplane_retention_removed_total\{kind="relationships"\} 1\b/);
    expect(text).toMatch(/ragplane_retention_last_sweep_timestamp_seconds \d/);
    expect(text).toMatch(/ragplane_retention_last_sweep_duration_seconds \d/);
  });

  it("gives the audit trail's topic the configured retention", async () => {
    const topic = await eventually(
      () => server.engines.events.getTopic(auditTenant, auditTopic),
      (found) => found.retentionMs === 3_600_000,
    );
    expect(topic.retentionMs).toBe(3_600_000);
  });
});
