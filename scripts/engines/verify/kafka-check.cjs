// Smoke check of the Kafka broker started by scripts/engines/start.sh, with kafkajs 2.2.4
// (the client ragplane uses). Run by scripts/engines/verify.sh from a scratch dir outside
// the repo (where kafkajs is installed). Env: KAFKA_BROKERS (comma-separated host:port).
// Covers what the events adapter needs: admin createTopics/listTopics/fetchTopicOffsets,
// an idempotent producer (maxInFlightRequests 1), a consumer group with offset commits.
"use strict";
const { Kafka, logLevel, CompressionTypes } = require("kafkajs");

async function main() {
  const brokers = (process.env.KAFKA_BROKERS || "127.0.0.1:9092").split(",");
  const kafka = new Kafka({
    clientId: "ragplane-engines-check",
    brokers,
    logLevel: logLevel.WARN,
  });
  const t0 = Date.now();
  const topic = `ragplane-check-${process.pid}-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: 2, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  if (!created) throw new Error("createTopics returned false");
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) throw new Error(`listTopics misses ${topic}: ${topics}`);
  const cluster = await admin.describeCluster();

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const n = 20;
  const messages = Array.from({ length: n }, (_, i) => ({
    key: `k${i % 4}`,
    value: JSON.stringify({ i }),
  }));
  await producer.send({ topic, acks: -1, messages: messages.slice(0, 10) });
  await producer.send({
    topic,
    acks: -1,
    compression: CompressionTypes.GZIP,
    messages: messages.slice(10),
  });
  await producer.disconnect();

  const groupId = `ragplane-check-group-${process.pid}`;
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const seen = new Set();
  const tJoin = Date.now();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`consumed ${seen.size}/${n} within 30 s`)),
      30000,
    );
    consumer
      .run({
        eachMessage: async ({ message }) => {
          seen.add(JSON.parse(message.value.toString()).i);
          if (seen.size === n) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  const consumedMs = Date.now() - tJoin;
  await consumer.disconnect(); // commits offsets and leaves the group

  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committed = offsets[0].partitions.reduce((s, p) => s + Number(p.offset), 0);
  if (committed !== n) throw new Error(`committed offsets sum ${committed}, expected ${n}`);
  const groups = await admin.listGroups();
  if (!groups.groups.some((g) => g.groupId === groupId)) throw new Error("group not listed");
  const described = await admin.describeGroups([groupId]);
  if (described.groups[0].groupId !== groupId) throw new Error("describeGroups");

  // Beyond the basics, APIs whose old protocol versions Kafka 4 removed (KIP-896):
  // ListOffsets, OffsetCommit via admin.setOffsets (takes ~5 s: kafkajs runs a consumer for it), DescribeConfigs, CreatePartitions, DeleteRecords,
  // and a transactional producer (AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn).
  const end = await admin.fetchTopicOffsets(topic);
  if (end.reduce((s, p) => s + Number(p.high), 0) !== n) throw new Error("fetchTopicOffsets");
  await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() - 60000);
  await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: "0" }] });
  await admin.describeConfigs({ resources: [{ type: 2, name: topic }], includeSynonyms: false });
  await admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] });
  const p0 = end.find((p) => p.partition === 0);
  if (Number(p0.high) > 0)
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: "1" }] });
  const txProducer = kafka.producer({
    transactionalId: `ragplane-check-tx-${process.pid}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await txProducer.connect();
  const tx = await txProducer.transaction();
  await tx.send({ topic, messages: [{ key: "tx", value: "in-transaction" }] });
  await tx.sendOffsets({
    consumerGroupId: groupId,
    topics: [{ topic, partitions: [{ partition: 0, offset: "1" }] }],
  });
  await tx.commit();
  await txProducer.disconnect();
  await admin.deleteGroups([groupId]);
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
  console.log(
    `kafka ok: ${brokers} (cluster ${cluster.clusterId}, ${cluster.brokers.length} broker); ` +
      `topic+idempotent produce ${n}+group consume (${consumedMs} ms)+commit+listTopics in ${Date.now() - t0} ms`,
  );
}

main().catch((e) => {
  console.error("kafka check FAILED:", e);
  process.exit(1);
});
