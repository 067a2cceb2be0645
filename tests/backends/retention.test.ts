import { randomUUID } from "node:crypto";
import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { auditTenant, auditTopic } from "../../security/audit/log-audit.js";
import { engineEnvFor } from "../support/engine-env.js";
import { rejection } from "../support/errors.js";
import { eventually, seedExpiringItems } from "../support/retention.js";
import { startTestServer, type TestServer } from "../support/server.js";

const qdrantUrl = process.env.QDRANT_URL;
const neo4jUrl = process.env.NEO4J_URL;
const kafkaBrokers = process.env.KAFKA_BROKERS;
const configured = qdrantUrl !== undefined && neo4jUrl !== undefined;

/** Qdrant and Neo4j, and Kafka for the audit trail when it is configured. */
const env = (): Record<string, string> => ({
  ...engineEnvFor(["qdrant", "neo4j", "kafka"]),
  KAFKA_TOPIC_PREFIX: `ret${randomUUID().slice(0, 8)}`,
  RETENTION_SWEEP_INTERVAL_MS: "200",
  AUDIT_RETENTION: "2h",
});

/** How long a sweep on the real engines may take to show. */
const realEngineWaitMs = 15_000;

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
      await seedExpiringItems(vectors, graphs, 30);

      const count = await eventually(
        () => vectors.count({ collection: "expiring" }),
        (response) => response.count === 1n,
        realEngineWaitMs,
        150,
      );
      expect(count.count).toBe(1n);
      expect((await vectors.get({ collection: "expiring", ids: ["new"] })).points).toHaveLength(1);
      const gone = await eventually(
        () => rejection(graphs.getNode({ id: "s-old" })).catch(() => undefined),
        (error) => error?.code === Code.NotFound,
        realEngineWaitMs,
        150,
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
          realEngineWaitMs,
          150,
        );
        expect(topic.retentionMs).toBe(7_200_000);
      },
    );
  },
);
