import { randomUUID } from "node:crypto";
import { QdrantClient } from "@qdrant/js-client-rest";
import { Redis } from "ioredis";
import { Kafka, logLevel } from "kafkajs";
import neo4j from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErasureState } from "../../gen/ragplane/v1/compliance_pb.js";
import { subjectKeyName } from "../../security/encryption/data-keyring.js";
import { subjectDigest } from "../../server/compliance/subject.js";
import {
  type ComplianceClients,
  complianceClients,
  erase,
  expectedReceipt,
  expectSubjectGone,
  otherSubject,
  secretMarkers,
  seedSubjects,
  subject,
} from "../support/compliance.js";
import { engineEnvFor } from "../support/engine-env.js";
import { sharedKeyFile } from "../support/key-file.js";
import { eventually } from "../support/retention.js";
import { startTestServer, type TestServer, waitUntilReady } from "../support/server.js";

const { KAFKA_BROKERS, QDRANT_URL, QDRANT_API_KEY, NEO4J_URL, REDIS_URL } = process.env;
const configured =
  KAFKA_BROKERS !== undefined &&
  QDRANT_URL !== undefined &&
  NEO4J_URL !== undefined &&
  REDIS_URL !== undefined;

const engines = { vectors: "qdrant", graphs: "neo4j", events: "kafka", keys: "redis" };
const markers = [subject, ...secretMarkers];

/**
 * Erasure on Kafka, Qdrant, Neo4j and Redis, checked in the engines themselves: Qdrant's
 * REST scroll, Cypher, raw Kafka records and the Redis key store.
 */
describe.skipIf(!configured)("ComplianceService on Kafka, Qdrant, Neo4j and Redis", () => {
  const tenant = `gdpr-${randomUUID().slice(0, 8)}`;
  const prefix = `cmp${randomUUID().slice(0, 6)}`;
  const env = async (): Promise<Record<string, string>> => ({
    ...engineEnvFor(["kafka", "qdrant", "neo4j", "redis"]),
    KAFKA_TOPIC_PREFIX: prefix,
    ENCRYPTION_KEY_FILE: await sharedKeyFile(),
    ENCRYPTION_KEY_CACHE_MS: "500",
  });
  let server: TestServer;
  let clients: ComplianceClients;

  beforeAll(async () => {
    server = await startTestServer(await env());
    expect(await waitUntilReady(server, 60_000)).toBe(true);
    clients = complianceClients(
      server.transport("grpc-js", { apiKey: await server.createKey(tenant) }),
    );
    await seedSubjects(clients);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it("erases the subject with an exact receipt naming the real engines", async () => {
    const messages = await erase(clients);
    const last = messages.at(-1)?.erasure;
    expect(last?.state).toBe(ErasureState.DONE);
    expect(
      last?.removed.map(({ store, engine, target, count }) => ({ store, engine, target, count })),
    ).toEqual(expectedReceipt(engines));
    await server.security.auditTrail.flush();
    const receipts = await eventually(
      () => server.security.audit.query({ tenant, types: ["compliance.erasure"], limit: 10 }),
      (page) => page.events.length === 1,
    );
    expect(receipts.events[0]?.details).toMatchObject({
      subject_digest: subjectDigest(subject),
      job: last?.id,
      points: "3",
      nodes: "1",
      relationships: "3",
    });
  }, 60_000);

  it("leaves nothing of the subject findable through any RPC", async () => {
    await expectSubjectGone(clients);
  }, 60_000);

  it("leaves no point of the subject in Qdrant", async () => {
    const qdrant = new QdrantClient({
      url: QDRANT_URL as string,
      checkCompatibility: false,
      ...(QDRANT_API_KEY ? { apiKey: QDRANT_API_KEY } : {}),
    });
    const names = (await qdrant.getCollections()).collections.map((c) => c.name);
    const left: Record<string, unknown>[] = [];
    for (const name of names) {
      const bySubject = await qdrant.scroll(name, {
        limit: 100,
        with_payload: true,
        filter: {
          must: [
            { key: "rp_subject", match: { value: subject } },
            { key: "rp_tenant", match: { value: tenant } },
          ],
        },
      });
      const byTenant = await qdrant.scroll(name, {
        limit: 100,
        with_payload: true,
        filter: { must: [{ key: "rp_tenant", match: { value: tenant } }] },
      });
      for (const point of [...bySubject.points, ...byTenant.points]) {
        left.push(point.payload ?? {});
      }
    }
    const points = left.filter((payload) => payload.rp_id !== undefined);
    expect(points.map((payload) => payload.rp_id).sort()).toEqual(["n-2", "p-3", "p-4"]);
    for (const marker of markers) expect(JSON.stringify(left)).not.toContain(marker);
  });

  it("leaves no node or relationship of the subject in Neo4j", async () => {
    const driver = neo4j.driver(
      NEO4J_URL as string,
      neo4j.auth.basic(process.env.NEO4J_USER ?? "neo4j", process.env.NEO4J_PASSWORD ?? ""),
    );
    try {
      const session = driver.session();
      try {
        const subjects = await session.run(
          `MATCH (n {tenant: $tenant}) WHERE n._rp_subject = $subject RETURN count(n) AS c
           UNION ALL MATCH ()-[r {tenant: $tenant}]->() WHERE r._rp_subject = $subject
           RETURN count(r) AS c`,
          { subject, tenant },
        );
        expect(subjects.records.map((record) => Number(record.get("c")))).toEqual([0, 0]);
        const nodes = await session.run(
          "MATCH (n {tenant: $tenant}) RETURN n.id AS id ORDER BY id",
          { tenant },
        );
        expect(nodes.records.map((record) => record.get("id"))).toEqual(["bob", "oslo"]);
        const relationships = await session.run(
          "MATCH ()-[r {tenant: $tenant}]->() RETURN r.id AS id ORDER BY id",
          { tenant },
        );
        expect(relationships.records.map((record) => record.get("id"))).toEqual(["bob-lives"]);
      } finally {
        await session.close();
      }
    } finally {
      await driver.close();
    }
  });

  it("keeps the subject's Kafka records only as ciphertext", async () => {
    const kafka = new Kafka({
      clientId: "ragplane-compliance-test",
      brokers: (KAFKA_BROKERS as string).split(","),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((name) => name.startsWith(`${prefix}.`));
    const expected = new Map<string, number>();
    for (const topic of topics) {
      const offsets = await admin.fetchTopicOffsets(topic);
      expected.set(
        topic,
        offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0),
      );
    }
    await admin.disconnect();
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    expect(topics.some((name) => name.includes(tenant))).toBe(true);

    const consumer = kafka.consumer({ groupId: `compliance-check-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    const raw: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${raw.length} of ${total}`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const headers = Object.entries(message.headers ?? {}).map(
            ([key, value]) => `${key}=${String(value)}`,
          );
          raw.push(
            [message.key?.toString("latin1"), message.value?.toString("latin1"), ...headers].join(
              "\u0000",
            ),
          );
          if (raw.length >= total) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    expect(raw.length).toBe(total);
    for (const record of raw) {
      for (const marker of markers) expect(record).not.toContain(marker);
    }
  }, 60_000);

  it("keeps no data key of the subject in Redis, and the other subject's", async () => {
    const redis = new Redis(REDIS_URL as string, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      const field = (name: string) => `${tenant}\u0000${name}`;
      expect(await redis.hexists("rp:{dk}:names", field(subjectKeyName(subject)))).toBe(0);
      expect(await redis.hexists("rp:{dk}:names", field(subjectKeyName(otherSubject)))).toBe(1);
      const keys = await redis.keys("*");
      for (const key of keys) for (const marker of markers) expect(key).not.toContain(marker);
    } finally {
      redis.disconnect();
    }
  });
});
