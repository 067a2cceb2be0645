import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventsService } from "../../gen/ragplane/v1/events_pb.js";
import { GraphsService } from "../../gen/ragplane/v1/graphs_pb.js";
import { IngestionService } from "../../gen/ragplane/v1/ingestion_pb.js";
import { Distance, VectorsService } from "../../gen/ragplane/v1/vectors_pb.js";
import { generateApiKey } from "../../security/api-keys/format.js";
import { lineageKeys } from "../../server/lineage/fields.js";
import { chunkEvent, sampleChunk } from "../support/chunks.js";
import { realEngineEnv, realEnginesConfigured } from "../support/engine-env.js";
import { kafkaBrokers, lazyKafkaAdmin } from "../support/kafka-admin.js";
import { startTestServer, type TestServer, waitUntilReady } from "../support/server.js";

const configured = realEnginesConfigured && process.env.QDRANT_URL !== undefined;

/** A counter's value in a server's Prometheus text, 0 when it has none yet. */
async function counter(server: TestServer, name: string): Promise<number> {
  const text = await server.metrics.registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.split(" ")[1]);
}

describe.skipIf(!configured)(
  "ingestion on Kafka, Qdrant and Neo4j (needs KAFKA_BROKERS, NEO4J_URL and QDRANT_URL)",
  () => {
    const run = randomUUID().slice(0, 8);
    const prefix = `ing${run}`;
    const adminKey = generateApiKey().key;
    const tenant = `ingest-${run}`;
    const testAdmin = lazyKafkaAdmin(kafkaBrokers());
    let first: TestServer;
    let second: TestServer;
    let key: string;

    beforeAll(async () => {
      const env = { ...realEngineEnv, KAFKA_TOPIC_PREFIX: prefix, BOOTSTRAP_ADMIN_KEY: adminKey };
      first = await startTestServer(env);
      second = await startTestServer(env, undefined, { adminKey });
      await Promise.all([waitUntilReady(first), waitUntilReady(second)]);
      key = await first.createKey(tenant);
    });
    afterAll(async () => {
      await Promise.allSettled([first?.close(), second?.close()]);
      await testAdmin.deleteTopics(prefix);
      await testAdmin.close();
    });

    const clients = (server: TestServer) => {
      const transport = server.transport("grpc-js", { apiKey: key });
      return {
        events: createClient(EventsService, transport),
        vectors: createClient(VectorsService, transport),
        graphs: createClient(GraphsService, transport),
        ingestion: createClient(IngestionService, transport),
      };
    };

    async function caughtUp(server: TestServer, topic: string, waitMs = 30_000): Promise<bigint> {
      const { ingestion } = clients(server);
      const deadline = Date.now() + waitMs;
      for (;;) {
        const found = (await ingestion.getIngestion({ topic })).ingestion;
        const ends = found?.partitions.reduce((sum, p) => sum + p.endOffset, 0n) ?? 0n;
        if (found && ends > 0n && found.lag === 0n) return ends;
        if (Date.now() > deadline) throw new Error(`ingestion of ${topic} did not catch up`);
        await sleep(100);
      }
    }

    it("projects chunks with lineage on two servers that share the topic's partitions, each chunk once", async () => {
      const { events, vectors, ingestion } = clients(first);
      await events.createTopic({ name: "docs", partitions: 4 });
      await vectors.createCollection({ name: "docs", dimension: 3, distance: Distance.COSINE });
      await ingestion.putIngestion({ topic: "docs", collection: "docs", graph: true });
      await sleep(6000);

      const chunks = Array.from({ length: 40 }, (_, i) =>
        chunkEvent(`c${i}`, sampleChunk(`doc${i}`, "0", [1, i + 1, 0], [`e${i}`, `e${i + 1}`])),
      );
      await events.publish({
        topic: "docs",
        events: [...chunks, chunkEvent("poison", sampleChunk("bad", "0", [1, 2]))],
      });
      expect(await caughtUp(second, "docs")).toBe(41n);

      const byFirst = await counter(first, "ragplane_ingestion_projected_events_total");
      const bySecond = await counter(second, "ragplane_ingestion_projected_events_total");
      expect(byFirst).toBeGreaterThan(0);
      expect(bySecond).toBeGreaterThan(0);
      expect(byFirst + bySecond).toBe(40);

      const [point] = await first.engines.vectors.get(tenant, "docs", ["doc7/0"], {
        withVector: false,
      });
      expect(point?.payload).toMatchObject({
        document_id: "doc7",
        entity_ids: ["e7", "e8"],
        [lineageKeys.topic]: "docs",
        [lineageKeys.eventId]: "c7",
      });
      const node = await first.engines.graphs.getNode(tenant, "e3");
      expect(node.properties[lineageKeys.topic]).toBe("docs");
      expect(await first.engines.vectors.count(tenant, "docs")).toBe(40);

      const controller = new AbortController();
      for await (const letter of events.subscribe(
        { topic: "docs.dead-letter", start: { case: "startOffset", value: 0n } },
        { signal: controller.signal },
      )) {
        expect(letter.event?.headers["dead-letter-event-id"]).toBe("poison");
        expect(letter.event?.headers["dead-letter-kind"]).toBe("refused");
        break;
      }
      controller.abort();
    });

    it("rebuilds a collection of a new dimension on Qdrant and moves the alias", async () => {
      const { events, vectors, ingestion } = clients(first);
      await events.createTopic({ name: "models", partitions: 2 });
      await vectors.createCollection({
        name: "models-v1",
        dimension: 3,
        distance: Distance.COSINE,
      });
      await first.engines.vectors.putAlias(tenant, "models", "models-v1");
      await events.publish({
        topic: "models",
        events: [
          chunkEvent("old", sampleChunk("a", "1", [1, 0, 0])),
          chunkEvent("new-a", sampleChunk("a", "1", [1, 0, 0, 1])),
          chunkEvent("new-b", sampleChunk("b", "1", [0, 1, 0, 1])),
        ],
      });
      let last: Awaited<ReturnType<typeof ingestion.rebuildCollection>> extends AsyncIterable<
        infer R
      >
        ? R | undefined
        : never;
      for await (const report of ingestion.rebuildCollection({
        topic: "models",
        target: "models-v2",
        dimension: 4,
        alias: "models",
      })) {
        last = report;
      }
      expect(last).toMatchObject({ done: true, read: 3n, projected: 2n, skipped: 1n });
      const live = await first.engines.vectors.getCollection(tenant, "models");
      expect(live).toMatchObject({ name: "models-v2", dimension: 4, pointCount: 2 });
    });
  },
);
