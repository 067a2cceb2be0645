import { type Admin, Kafka, type KafkaConfig, logLevel } from "kafkajs";
import { describe, it } from "vitest";

/** The brokers in `KAFKA_BROKERS` (comma-separated `host:port`); empty when it is unset. */
export function kafkaBrokers(): string[] {
  return (process.env.KAFKA_BROKERS ?? "")
    .split(",")
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
}

/** How {@link describeSkippedWithoutKafka} words its reason. */
export interface KafkaSkipHint {
  /** Said after `KAFKA_BROKERS=host:port`, e.g. `" (and REDIS_URL for …)"`. Default `""`. */
  readonly alsoSet?: string;
  /** The arguments of `scripts/engines/start.sh` in the hint. Default `"kafka"`. */
  readonly engines?: string;
}

/**
 * Registers a skipped suite named `subject` that says how to run it against a real Kafka,
 * for a backend test file whose `KAFKA_BROKERS` is unset.
 */
export function describeSkippedWithoutKafka(subject: string, hint: KafkaSkipHint = {}): void {
  const { alsoSet = "", engines = "kafka" } = hint;
  describe.skip(`${subject} — skipped: set KAFKA_BROKERS=host:port${alsoSet}, e.g. from scripts/engines/start.sh ${engines}`, () => {
    it("runs against a real Kafka only", () => {});
  });
}

/** A kafkajs admin client that connects on first use; see {@link lazyKafkaAdmin}. */
export interface LazyKafkaAdmin {
  /** The connected admin client, connecting it on the first call. */
  admin(): Promise<Admin>;
  /** Deletes every topic named `<prefix>.…`, so a test run cleans up after itself. */
  deleteTopics(prefix: string): Promise<void>;
  /** Disconnects the admin client if it was ever connected. */
  close(): Promise<void>;
}

/**
 * An admin client on `brokers` for test set-up and clean-up, connected only when a test
 * first needs it (a file that only registers skipped suites never connects). Call `close`
 * in `afterAll`. `link` adds TLS and SASL for a secured listener.
 */
export function lazyKafkaAdmin(
  brokers: readonly string[],
  link: Pick<KafkaConfig, "ssl" | "sasl"> = {},
): LazyKafkaAdmin {
  let connected: Admin | undefined;
  const admin = async (): Promise<Admin> => {
    if (!connected) {
      const kafka = new Kafka({
        clientId: "ragplane-tests",
        brokers: [...brokers],
        logLevel: logLevel.NOTHING,
        ...link,
      });
      connected = kafka.admin();
      await connected.connect();
    }
    return connected;
  };
  return {
    admin,
    async deleteTopics(prefix) {
      const topics = (await (await admin()).listTopics()).filter((t) => t.startsWith(`${prefix}.`));
      if (topics.length > 0) await (await admin()).deleteTopics({ topics });
    },
    async close() {
      const admin = connected;
      connected = undefined;
      await admin?.disconnect();
    },
  };
}
