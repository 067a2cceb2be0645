import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { auditTenant, auditTopic } from "../../security/audit/log-audit.js";
import { embeddedEngineEnv } from "../support/engine-env.js";
import { rejection } from "../support/errors.js";
import { startTestServer, type TestServer } from "../support/server.js";

const qdrantUrl = process.env.QDRANT_URL;
const neo4jUrl = process.env.NEO4J_URL;
const kafkaBrokers = process.env.KAFKA_BROKERS;
const configured = qdrantUrl !== undefined && neo4jUrl !== undefined;

/** Qdrant and Neo4j, and Kafka for the audit trail when it is configured. */
const env = (): Record<string, string> => ({
  ...embeddedEngineEnv,
  QDRANT_URL: qdrantUrl ?? "",
  QDRANT_API_KEY: process.env.QDRANT_API_KEY ?? "",
  NEO4J_URL: neo4jUrl ?? "",
  NEO4J_USER: process.env.NEO4J_USER ?? "",
  NEO4J_PASSWORD: process.env.NEO4J_PASSWORD ?? "",
  KAFKA_BROKERS: kafkaBrokers ?? "",
  KAFKA_TOPIC_PREFIX: `ret${randomUUID().slice(0, 8)}`,
  RETENTION_SWEEP_INTERVAL_MS: "200",
  AUDIT_RETENTION: "2h",
});

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(150);
  }
}

describe.skipIf(!configured)(
  "retention on Qdrant and Neo4j (needs QDRANT_URL and NEO4J_URL)",
  () => {
    const tenant = `retention-${randomUUID().slice(0, 8)}`;
    let server: TestServer;
    let vectors: ReturnType<typeof createClient<typeof VectorsService>>;
    let graphs: ReturnType<typeof createClient<typeof GraphsService>>;

    beforeAll(async () => {
      server = await startTestServer(env());
      const transport = server.transport("grpc-js", { apiKey: await server.createKey(tenant) });
      vectors = createClient(VectorsService, transport);
      graphs = createClient(GraphsService, transport);
    });
    afterAll(async () => {
      await server?.close();
    });

    it("deletes expired points and nodes (with their relationships) and keeps the rest", async () => {
      await vectors.createCollection({
        name: "expiring",
        dimension: 2,
        distance: Distance.DOT,
        maxAge: durationFromMs(1_000),
      });
      await vectors.upsert({
        collection: "expiring",
        points: Array.from({ length: 30 }, (_, i) => ({ id: `old-${i}`, vector: [1, i] })),
      });
      await graphs.upsertNodes({
        nodes: [
          { id: "s-old", labels: ["Session"] },
          { id: "person", labels: ["Person"] },
        ],
      });
      await graphs.upsertRelationships({
        relationships: [{ fromId: "person", toId: "s-old", type: "OPENED" }],
      });
      await graphs.setLabelRetention({ label: "Session", maxAge: durationFromMs(1_000) });
      await sleep(1_100);
      await vectors.upsert({ collection: "expiring", points: [{ id: "new", vector: [1, 1] }] });
      await graphs.upsertNodes({ nodes: [{ id: "s-new", labels: ["Session"] }] });

      const count = await eventually(
        () => vectors.count({ collection: "expiring" }),
        (response) => response.count === 1n,
      );
      expect(count.count).toBe(1n);
      expect((await vectors.get({ collection: "expiring", ids: ["new"] })).points).toHaveLength(1);
      const gone = await eventually(
        () => rejection(graphs.getNode({ id: "s-old" })).catch(() => undefined),
        (error) => error?.code === Code.NotFound,
      );
      expect(gone?.code).toBe(Code.NotFound);
      expect((await graphs.getNode({ id: "s-new" })).node?.id).toBe("s-new");
      const around = await graphs.neighbors({ nodeId: "person", maxDepth: 1 });
      expect(around.relationships).toEqual([]);
      expect((await vectors.getCollection({ name: "expiring" })).collection?.maxAge?.seconds).toBe(
        1n,
      );
    });

    it.skipIf(kafkaBrokers === undefined)(
      "gives the audit topic on Kafka the configured retention",
      async () => {
        const topic = await eventually(
          () => server.engines.events.getTopic(auditTenant, auditTopic),
          (found) => found.retentionMs === 7_200_000,
        );
        expect(topic.retentionMs).toBe(7_200_000);
      },
    );
  },
);
