import { pino } from "pino";
import { afterAll } from "vitest";
import { MemoryIdempotencyIndex } from "../../clients/events/idempotency/memory.js";
import { KafkaEventLog, type KafkaEventLogOptions } from "../../clients/events/kafka/log.js";
import type { EventLog } from "../../clients/events/port.js";
import { LogApiKeyStore } from "../../security/api-keys/log-store.js";
import type { ApiKeyStore } from "../../security/api-keys/port.js";
import {
  type ApiKeyStoreHarness,
  describeApiKeyStoreContract,
} from "../contract/api-keys.contract.js";
import {
  describeSkippedWithoutKafka,
  kafkaBrokers,
  lazyKafkaAdmin,
} from "../support/kafka-admin.js";

const brokers = kafkaBrokers();
const run = `rpk${Date.now().toString(36)}${process.pid.toString(36)}`;
const logger = pino({ level: "silent" });

if (brokers.length === 0) {
  describeSkippedWithoutKafka("ApiKeyStore contract: kafka");
} else {
  const kafka = lazyKafkaAdmin(brokers);
  afterAll(() => kafka.close());
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
        await kafka.deleteTopics(prefix);
      },
    };
  }

  describeApiKeyStoreContract("log store on Kafka", openKafka);
}
