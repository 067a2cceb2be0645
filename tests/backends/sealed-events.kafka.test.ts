import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Kafka, type KafkaMessage, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaEventLog } from "../../clients/events/kafka/log.js";
import { partitionForKey } from "../../clients/events/partitioner.js";
import type { EventLog } from "../../clients/events/port.js";
import { EmbeddedDataKeyStore } from "../../clients/keys/embedded/store.js";
import type { DataKeyStore } from "../../clients/keys/port.js";
import { RedisDataKeyStore } from "../../clients/keys/redis/store.js";
import { RedisConnection } from "../../clients/redis/connection.js";
import {
  SubscribeRequestSchema,
  type SubscribeResponse,
  SubscribeResponseSchema,
} from "../../gen/ragplane/v1/events_pb.js";
import { StoredDataKeyring } from "../../security/encryption/data-keyring.js";
import { createKeyFile } from "../../security/encryption/key-file.js";
import { LocalKeyFileProvider } from "../../security/encryption/local-key-file.js";
import { sealEventLog } from "../../server/encryption/sealed-events.js";
import type { ServiceContext } from "../../server/services/context.js";
import { createEventsService } from "../../server/services/events/service.js";
import {
  describeSkippedWithoutKafka,
  kafkaBrokers,
  lazyKafkaAdmin,
} from "../support/kafka-admin.js";

const brokers = kafkaBrokers();
const redisUrl = process.env.REDIS_URL;
const run = `rpe${Date.now().toString(36)}${process.pid.toString(36)}`;
const utf8 = new TextEncoder();
const secret = "Grace Hopper's medical record";
const subject = "person-grace@example.org";

if (brokers.length === 0) {
  describeSkippedWithoutKafka("sealed events on Kafka", { engines: "redis kafka" });
} else {
  const testAdmin = lazyKafkaAdmin(brokers);
  let dir: string;
  let provider: LocalKeyFileProvider;
  let store: DataKeyStore;
  let redis: RedisConnection | undefined;
  let keyring: StoredDataKeyring;
  let raw: KafkaEventLog;
  let sealed: EventLog;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ragplane-sealed-kafka-"));
    const keyFile = join(dir, "kek.json");
    await createKeyFile(keyFile);
    provider = await LocalKeyFileProvider.open({ path: keyFile });
    if (redisUrl) {
      redis = await RedisConnection.connect({ url: redisUrl });
      store = new RedisDataKeyStore({ redis, keyPrefix: `ragplane:test:${run}:` });
    } else {
      store = await EmbeddedDataKeyStore.open(dir);
    }
    keyring = new StoredDataKeyring({ provider, store, cacheMs: 0 });
    raw = await KafkaEventLog.connect({
      brokers,
      clientId: `ragplane-test-${run}`,
      topicPrefix: run,
    });
    sealed = sealEventLog(raw, keyring, { encryptAll: true });
  });
  afterAll(async () => {
    await raw?.close();
    await testAdmin.deleteTopics(run);
    await testAdmin.close();
    if (redis !== undefined) {
      const keys = await redis.client.keys(`ragplane:test:${run}:*`);
      if (keys.length > 0) await redis.client.del(...keys);
      await redis.close();
    }
    await store?.close();
    await provider?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Every record of the run's physical topics, read with a plain kafkajs consumer. */
  async function rawRecords(expected: number): Promise<KafkaMessage[]> {
    const topics = (await (await testAdmin.admin()).listTopics()).filter((name) =>
      name.startsWith(`${run}.`),
    );
    const kafka = new Kafka({ brokers, clientId: `raw-${run}`, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `raw-${run}-${Date.now()}` });
    await consumer.connect();
    const messages: KafkaMessage[] = [];
    try {
      await consumer.subscribe({ topics, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${messages.length} records`)),
          30_000,
        );
        void consumer.run({
          eachMessage: async ({ message }) => {
            messages.push(message);
            if (messages.length >= expected) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    return messages;
  }

  const contextOf = (signal: AbortSignal): ServiceContext => ({
    tenant: "acme",
    signal,
    deadline: undefined,
    requestId: "test",
    peer: "127.0.0.1:1",
    principal: undefined,
  });

  async function subscribe(count: number): Promise<SubscribeResponse[]> {
    const service = createEventsService(sealed);
    const controller = new AbortController();
    const responses: SubscribeResponse[] = [];
    for await (const response of service.subscribe(
      create(SubscribeRequestSchema, { topic: "people" }),
      contextOf(controller.signal),
    )) {
      responses.push(create(SubscribeResponseSchema, response));
      if (responses.length === count) break;
    }
    controller.abort();
    return responses.sort((a, b) => (a.event?.id ?? "").localeCompare(b.event?.id ?? ""));
  }

  describe("sealed events on Kafka", () => {
    it("puts neither the payload nor the subject on the topic, and Subscribe returns the originals", async () => {
      await sealed.createTopic("acme", { name: "people", partitions: 4, retentionMs: 0 });
      const acks = await sealed.append("acme", "people", [
        {
          id: "e1",
          key: "customer-9",
          payload: utf8.encode(secret),
          contentType: "text/plain",
          headers: { ward: "cardiology" },
          subject,
        },
        { id: "e2", payload: utf8.encode(`${secret}, page 2`) },
      ]);
      expect(acks.map((ack) => ack.partition)).toEqual([
        partitionForKey("customer-9", 4),
        partitionForKey("e2", 4),
      ]);
      const records = await rawRecords(2);
      expect(records).toHaveLength(2);
      for (const record of records) {
        const bytes = Buffer.concat([
          record.value ?? Buffer.alloc(0),
          record.key ?? Buffer.alloc(0),
          ...Object.entries(record.headers ?? {}).flatMap(([name, value]) => [
            Buffer.from(name),
            Buffer.isBuffer(value) ? value : Buffer.from(String(value)),
          ]),
        ]);
        for (const clear of [
          "Grace Hopper",
          subject,
          "person-grace",
          "cardiology",
          "ward",
          "text/plain",
        ]) {
          expect(bytes.includes(Buffer.from(clear)), clear).toBe(false);
        }
        expect(Object.keys(record.headers ?? {})).toContain("_rp_sealed");
      }
      const responses = await subscribe(2);
      expect(responses.map((response) => response.event)).toEqual([
        expect.objectContaining({
          id: "e1",
          key: "customer-9",
          payload: utf8.encode(secret),
          contentType: "text/plain",
          headers: { ward: "cardiology" },
          subject,
          erased: false,
        }),
        expect.objectContaining({
          id: "e2",
          key: "e2",
          payload: utf8.encode(`${secret}, page 2`),
          subject: "",
          erased: false,
        }),
      ]);
    });

    it("delivers the erased subject's events as tombstones at their positions", async () => {
      const before = await subscribe(2);
      expect(await keyring.destroySubjectKey("acme", subject)).toBe(true);
      const after = await subscribe(2);
      expect(after.map((response) => [response.partition, response.offset])).toEqual(
        before.map((response) => [response.partition, response.offset]),
      );
      expect(after[0]?.event).toEqual(
        expect.objectContaining({
          id: "e1",
          key: "customer-9",
          payload: new Uint8Array(0),
          contentType: "",
          headers: {},
          subject: "",
          erased: true,
        }),
      );
      expect(after[1]?.event?.payload).toEqual(utf8.encode(`${secret}, page 2`));
    });
  });
}
