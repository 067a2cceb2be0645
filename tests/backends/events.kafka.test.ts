import { setTimeout as sleep } from "node:timers/promises";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EngineUnavailableError, NotFoundError, PreconditionError } from "../../clients/errors.js";
import { MemoryIdempotencyIndex } from "../../clients/events/idempotency/memory.js";
import { KafkaEventLog, type KafkaEventLogOptions } from "../../clients/events/kafka/log.js";
import type { ConsumedBatch } from "../../clients/events/port.js";
import { RedisConnection } from "../../clients/redis/connection.js";
import { startMember, waitUntil } from "../contract/events.contract.groups.js";
import { describeEventLogContract, type EventLogFixture } from "../contract/events.contract.js";
import { event, failureOf, ids, readUntil, subscribe, take } from "../contract/events.support.js";
import {
  describeSkippedWithoutKafka,
  kafkaBrokers,
  lazyKafkaAdmin,
} from "../support/kafka-admin.js";
import { kafkaLogFixture } from "../support/kafka-log-fixture.js";

const brokers = kafkaBrokers();
const redisUrl = process.env.REDIS_URL;
const run = `rpt${Date.now().toString(36)}${process.pid.toString(36)}`;
const beginning = { start: { kind: "beginning" } } as const;

if (brokers.length === 0) {
  describeSkippedWithoutKafka("EventLog contract: kafka", {
    alsoSet: " (and REDIS_URL for the shared idempotency index)",
    engines: "redis kafka",
  });
} else {
  const testAdmin = lazyKafkaAdmin(brokers);
  const { admin, deleteTopics } = testAdmin;
  afterAll(() => testAdmin.close());

  const baseOptions = (prefix: string): KafkaEventLogOptions => ({
    brokers,
    clientId: `ragplane-test-${prefix}`,
    topicPrefix: prefix,
    idempotencyWindowMs: 10 * 60_000,
  });

  /** A log fixture; `reopen` is a restart of the process's log on the same index. */
  async function openFixture(
    prefix: string,
    index: { redis?: RedisConnection; idempotencyIndex?: MemoryIdempotencyIndex },
  ): Promise<EventLogFixture> {
    return kafkaLogFixture({ ...baseOptions(prefix), ...index }, async () => {
      await index.redis?.close();
      await deleteTopics(prefix);
    });
  }

  /**
   * A Kafka read takes its start positions (ListOffsets) a few milliseconds after its
   * iteration begins; on a loaded machine that sometimes exceeded the default 50 ms, so a
   * read "from latest" gets a longer pause before the appends it must see.
   */
  const contractTiming = { settleMs: 250 };

  if (redisUrl) {
    describeEventLogContract(
      "kafka, idempotency index in Redis",
      async () =>
        openFixture(`${run}-r`, { redis: await RedisConnection.connect({ url: redisUrl }) }),
      contractTiming,
    );
  } else {
    describe.skip("EventLog contract: kafka with Redis — skipped: set REDIS_URL", () => {
      it("runs against a real Redis only", () => {});
    });
  }

  describeEventLogContract(
    "kafka, idempotency index in memory (shared across the restart, as within one process)",
    () => openFixture(`${run}-m`, { idempotencyIndex: new MemoryIdempotencyIndex() }),
    contractTiming,
  );

  describe("KafkaEventLog", () => {
    const prefix = `${run}-k`;
    const tenant = "acme";
    const cleanups: (() => Promise<void>)[] = [];
    let log: KafkaEventLog;

    const connect = async (options: Partial<KafkaEventLogOptions> = {}) => {
      const opened = await KafkaEventLog.connect({ ...baseOptions(prefix), ...options });
      cleanups.push(() => opened.close());
      return opened;
    };

    beforeAll(async () => {
      log = await KafkaEventLog.connect(baseOptions(prefix));
    });
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });
    afterAll(async () => {
      await log.close();
      await deleteTopics(prefix);
    });

    it("creates <prefix>.<tenant>.<name> with its partitions, retention and append-time timestamps", async () => {
      await log.createTopic(tenant, { name: "cfg_1", partitions: 2, retentionMs: 3_600_000 });
      await log.createTopic(tenant, { name: "forever", partitions: 1, retentionMs: 0 });
      const kafka = await admin();
      const physical = `${prefix}.${tenant}.cfg-u1`;
      const { topics } = await kafka.fetchTopicMetadata({ topics: [physical] });
      expect(topics[0]?.partitions).toHaveLength(2);
      const configs = async (name: string) => {
        const { resources } = await kafka.describeConfigs({
          resources: [{ type: 2, name }],
          includeSynonyms: false,
        });
        return Object.fromEntries(
          (resources[0]?.configEntries ?? []).map((e) => [e.configName, e.configValue]),
        );
      };
      expect(await configs(physical)).toMatchObject({
        "retention.ms": "3600000",
        "message.timestamp.type": "LogAppendTime",
        "max.message.bytes": String(8 * 1024 * 1024),
        "segment.ms": "3600000",
      });
      expect(await configs(`${prefix}.${tenant}.forever`)).toMatchObject({ "retention.ms": "-1" });
    });

    it("keeps topics apart that Kafka would otherwise call colliding (a.b vs a_b)", async () => {
      await log.createTopic(tenant, { name: "a.b", partitions: 1, retentionMs: 0 });
      await log.createTopic(tenant, { name: "a_b", partitions: 1, retentionMs: 0 });
      const names = (await log.listTopics(tenant, { limit: 100 })).topics.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(["a.b", "a_b"]));
    });

    it("refuses a name too long for Kafka with PreconditionError on the name", async () => {
      const error = await failureOf(
        log.createTopic(tenant, { name: "x".repeat(245), partitions: 1, retentionMs: 0 }),
      );
      expect(error).toBeInstanceOf(PreconditionError);
      expect(error).toMatchObject({ field: "name" });
    });

    it.skipIf(!redisUrl)(
      "writes an id once when two replicas publish it at the same time (Redis index)",
      async () => {
        const redis = [
          await RedisConnection.connect({ url: redisUrl ?? "" }),
          await RedisConnection.connect({ url: redisUrl ?? "" }),
        ];
        cleanups.push(async () => {
          for (const connection of redis) await connection.close();
        });
        const [one, two] = [await connect({ redis: redis[0] }), await connect({ redis: redis[1] })];
        await one.createTopic(tenant, { name: "race", partitions: 3, retentionMs: 0 });
        const batch = Array.from({ length: 20 }, (_, i) => event(`e${i}`));
        for (let round = 0; round < 5; round++) {
          const fresh = batch.map((e) => event(`${e.id}-${round}`));
          const [a, b] = await Promise.all([
            one.append(tenant, "race", fresh),
            two.append(tenant, "race", fresh),
          ]);
          for (const [i, ackA] of a.entries()) {
            const ackB = b[i];
            expect([ackA.duplicate, ackB?.duplicate].sort()).toEqual([false, true]);
            expect(ackB).toMatchObject({ partition: ackA.partition, offset: ackA.offset });
          }
        }
        const offsets = await (await admin()).fetchTopicOffsets(`${prefix}.${tenant}.race`);
        expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(100);
        const stored = await take(one, tenant, "race", beginning, 100, 5000);
        expect(new Set(ids(stored)).size).toBe(100);
      },
    );

    it("detects duplicates only within one process's memory without Redis", async () => {
      const first = await connect();
      await first.createTopic(tenant, { name: "mem", partitions: 1, retentionMs: 0 });
      expect((await first.append(tenant, "mem", [event("a")]))[0]?.duplicate).toBe(false);
      expect((await first.append(tenant, "mem", [event("a")]))[0]?.duplicate).toBe(true);
      const restarted = await connect();
      expect(await restarted.append(tenant, "mem", [event("a")])).toEqual([
        { id: "a", partition: 0, offset: 1n, duplicate: false },
      ]);
    });

    it("fails an append to a topic deleted under it with NotFoundError, releasing its claims, and keeps serving other topics", async () => {
      const index = new MemoryIdempotencyIndex();
      const writer = await connect({ idempotencyIndex: index });
      await writer.createTopic(tenant, { name: "doomed", partitions: 2, retentionMs: 0 });
      await writer.createTopic(tenant, { name: "survivor", partitions: 1, retentionMs: 0 });
      await writer.append(tenant, "doomed", [event("first")]);
      await writer.append(tenant, "survivor", [event("s1")]);
      const physical = `${prefix}.${tenant}.doomed`;
      await (await admin()).deleteTopics({ topics: [physical] });
      while ((await (await admin()).listTopics()).includes(physical)) await sleep(20);
      const error = await failureOf(writer.append(tenant, "doomed", [event("lost")]));
      expect(error).toBeInstanceOf(NotFoundError);
      expect(await index.claim(physical, ["lost"], "probe", 1000)).toEqual([{ kind: "claimed" }]);
      expect(await writer.append(tenant, "survivor", [event("s2")])).toEqual([
        { id: "s2", partition: 0, offset: 1n, duplicate: false },
      ]);
    });

    it("starts a subscription and delivers its replay within a second", async () => {
      await log.createTopic(tenant, { name: "startup", partitions: 4, retentionMs: 0 });
      await log.append(tenant, "startup", [event("a"), event("b")]);
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const read = await take(log, tenant, "startup", beginning, 2, 5000);
        expect(read).toHaveLength(2);
        expect(performance.now() - started).toBeLessThan(1000);
      }
    });

    it("reads from an offset beyond the end: waits for that offset, skipping the ones before", async () => {
      await log.createTopic(tenant, { name: "ahead", partitions: 1, retentionMs: 0 });
      await log.append(tenant, "ahead", [event("e0")]);
      const subscription = subscribe(log, tenant, "ahead", {
        start: { kind: "offset", offset: 3n },
      });
      try {
        await sleep(300);
        await log.append(tenant, "ahead", [event("e1"), event("e2"), event("e3"), event("e4")]);
        const read = await subscription.waitFor(2, 5000);
        expect(read.map((e) => [e.id, e.offset])).toEqual([
          ["e3", 3n],
          ["e4", 4n],
        ]);
      } finally {
        await subscription.stop();
      }
    });

    it("ends open reads with EngineUnavailableError when closed, and refuses calls after", async () => {
      const closing = await connect();
      await closing.createTopic(tenant, { name: "closing", partitions: 1, retentionMs: 0 });
      await closing.append(tenant, "closing", [event("a")]);
      const subscription = subscribe(closing, tenant, "closing", beginning);
      await subscription.waitFor(1, 5000);
      await closing.close();
      expect(await subscription.stop()).toBeInstanceOf(EngineUnavailableError);
      expect(await failureOf(closing.append(tenant, "closing", [event("b")]))).toBeInstanceOf(
        EngineUnavailableError,
      );
      expect(await closing.health()).toEqual({ ok: false, detail: "closed" });
    });

    it("reports health, and fails to connect to a port without a broker with EngineUnavailableError", async () => {
      expect(await log.health()).toEqual({ ok: true });
      const started = performance.now();
      const error = await failureOf(
        KafkaEventLog.connect({ ...baseOptions(prefix), brokers: ["127.0.0.1:1"], retries: 1 }),
      );
      expect(error).toBeInstanceOf(EngineUnavailableError);
      expect(performance.now() - started).toBeLessThan(5000);
    });

    it("reads back events another Kafka producer wrote, keyed by the id header or the key", async () => {
      await log.createTopic(tenant, { name: "foreign", partitions: 1, retentionMs: 0 });
      const kafka = new Kafka({
        clientId: "ragplane-tests-foreign",
        brokers,
        logLevel: logLevel.NOTHING,
      });
      const producer = kafka.producer();
      await producer.connect();
      try {
        await producer.send({
          topic: `${prefix}.${tenant}.foreign`,
          messages: [{ key: "k1", value: "v", headers: { source: "elsewhere" } }],
        });
      } finally {
        await producer.disconnect();
      }
      await log.append(tenant, "foreign", [event("ours")]);
      const read = await readUntil(log, tenant, "foreign", "ours", 5000);
      expect(read[0]).toMatchObject({ id: "k1", key: "k1", headers: { source: "elsewhere" } });
      expect(read[1]).toMatchObject({ id: "ours", key: "ours", offset: 1n });
    });

    it("splits a topic's partitions between two members of one consumer group, each event handled once", async () => {
      await log.createTopic(tenant, { name: "shared-group", partitions: 4, retentionMs: 0 });
      const other = await connect();
      const first = startMember(log, tenant, "shared-group", "g");
      const second = startMember(other, tenant, "shared-group", "g");
      await sleep(3000);
      await log.append(
        tenant,
        "shared-group",
        Array.from({ length: 40 }, (_, i) => event(`e${i}`)),
      );
      await waitUntil(
        "the group committed every event",
        async () =>
          (await log.committedOffsets(tenant, "shared-group", "g")).reduce((a, b) => a + b) === 40n,
        20_000,
      );
      await Promise.all([first.stop(), second.stop()]);
      const partitionsOf = (batches: readonly ConsumedBatch[]) =>
        new Set(batches.map((batch) => batch.partition));
      const [mine, theirs] = [partitionsOf(first.batches), partitionsOf(second.batches)];
      expect(mine.size).toBeGreaterThan(0);
      expect(theirs.size).toBeGreaterThan(0);
      expect([...mine].filter((partition) => theirs.has(partition))).toEqual([]);
      expect(mine.size + theirs.size).toBe(4);
      const handled = [...first.batches, ...second.batches].flatMap((batch) =>
        batch.events.map((e) => e.id),
      );
      expect(handled).toHaveLength(40);
      expect(new Set(handled).size).toBe(40);
    });
  });
}
