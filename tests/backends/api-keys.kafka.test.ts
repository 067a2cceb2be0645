import { afterAll } from "vitest";
import { MemoryIdempotencyIndex } from "../../clients/events/idempotency/memory.js";
import { KafkaEventLog, type KafkaEventLogOptions } from "../../clients/events/kafka/log.js";
import {
  type ApiKeyStoreHarness,
  describeApiKeyStoreContract,
  logStoreHarness,
} from "../contract/api-keys.contract.js";
import {
  describeSkippedWithoutKafka,
  kafkaBrokers,
  lazyKafkaAdmin,
} from "../support/kafka-admin.js";

const brokers = kafkaBrokers();
const run = `rpk${Date.now().toString(36)}${process.pid.toString(36)}`;

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
    return logStoreHarness(
      () => KafkaEventLog.connect(options),
      () => kafka.deleteTopics(prefix),
    );
  }

  describeApiKeyStoreContract("log store on Kafka", openKafka);
}
