import { type Admin, Kafka, logLevel } from "kafkajs";
import { pino } from "pino";
import { afterAll, describe, it } from "vitest";
import { MemoryIdempotencyIndex } from "../../clients/events/idempotency/memory.js";
import { KafkaEventLog, type KafkaEventLogOptions } from "../../clients/events/kafka/log.js";
import type { EventLog } from "../../clients/events/port.js";
import { LogApiKeyStore } from "../../security/api-keys/log-store.js";
import type { ApiKeyStore } from "../../security/api-keys/port.js";
import {
  type ApiKeyStoreHarness,
  describeApiKeyStoreContract,
} from "../contract/api-keys.contract.js";

const brokers = (process.env.KAFKA_BROKERS ?? "")
  .split(",")
  .map((broker) => broker.trim())
  .filter((broker) => broker.length > 0);
const run = `rpk${Date.now().toString(36)}${process.pid.toString(36)}`;
const logger = pino({ level: "silent" });

if (brokers.length === 0) {
  describe.skip("ApiKeyStore contract: kafka — skipped: set KAFKA_BROKERS=host:port, e.g. from scripts/engines/start.sh kafka", () => {
    it("runs against a real Kafka only", () => {});
  });
} else {
  let testAdmin: Admin | undefined;
  const admin = async (): Promise<Admin> => {
    if (!testAdmin) {
      const kafka = new Kafka({ clientId: "ragplane-tests", brokers, logLevel: logLevel.NOTHING });
      testAdmin = kafka.admin();
      await testAdmin.connect();
    }
    return testAdmin;
  };
  afterAll(async () => {
    await testAdmin?.disconnect();
  });
  let fixtures = 0;

  /**
   * A store on Kafka under a topic prefix of its own (so each test starts from an empty
   * key log); a replica is a second Kafka connection on the same prefix, as another
   * process would have.
   */
  async function openKafka(): Promise<ApiKeyStoreHarness> {
    const prefix = `${run}-${++fixtures}`;
    const options: KafkaEventLogOptions = {
      brokers,
      clientId: `ragplane-test-${prefix}`,
      topicPrefix: prefix,
      idempotencyWindowMs: 10 * 60_000,
      idempotencyIndex: new MemoryIdempotencyIndex(),
    };
    const logs: EventLog[] = [];
    const stores: ApiKeyStore[] = [];
    const openStore = async (): Promise<ApiKeyStore> => {
      const events = await KafkaEventLog.connect(options);
      logs.push(events);
      const store = await LogApiKeyStore.open({ events, logger });
      stores.push(store);
      return store;
    };
    const closeAll = async () => {
      for (const store of stores.splice(0)) await store.close();
      for (const log of logs.splice(0)) await log.close();
    };
    let store = await openStore();
    return {
      get store() {
        return store;
      },
      async reopen() {
        await closeAll();
        store = await openStore();
        return store;
      },
      replica: openStore,
      async cleanup() {
        await closeAll();
        const topics = (await (await admin()).listTopics()).filter((t) =>
          t.startsWith(`${prefix}.`),
        );
        if (topics.length > 0) await (await admin()).deleteTopics({ topics });
      },
    };
  }

  describeApiKeyStoreContract("log store on Kafka", openKafka);
}
