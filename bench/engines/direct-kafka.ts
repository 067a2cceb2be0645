import { Kafka, logLevel, type Message, Partitioners, type Producer } from "kafkajs";

/** A kafkajs producer in the benchmark process, configured as ragplane's adapter configures its own, and an admin client to count what was written. */
export interface DirectProducer {
  /** Produces `messages` to `topic` in one request; resolves when all in-sync replicas acked. */
  send(topic: string, messages: Message[]): Promise<unknown>;
  /** How many records `topic` holds: the sum of its partitions' high watermarks. */
  records(topic: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Connects the baseline producer with the settings of `KafkaEventLog` and `EventProducer`:
 * the same client timeouts and retries, idempotent, one request in flight per broker, no
 * topic auto-creation, kafkajs's default (murmur2) partitioner, `acks: -1` and the ack
 * timeout the adapter derives from its request timeout.
 */
export async function connectDirectProducer(brokers: readonly string[]): Promise<DirectProducer> {
  const requestTimeoutMs = 10_000;
  const kafka = new Kafka({
    clientId: "ragplane-bench-direct",
    brokers: [...brokers],
    connectionTimeout: 1000,
    requestTimeout: requestTimeoutMs,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2000 },
    logLevel: logLevel.NOTHING,
  });
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
  const ackTimeoutMs = Math.max(1000, Math.floor(requestTimeoutMs * 0.8));
  return {
    send: (topic, messages) => producer.send({ topic, acks: -1, timeout: ackTimeoutMs, messages }),
    async records(topic) {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((total, partition) => total + Number(partition.high), 0);
    },
    async close() {
      await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    },
  };
}
