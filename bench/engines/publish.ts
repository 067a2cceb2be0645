import { fromBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { TopicNames } from "../../clients/events/kafka/topic-names.js";
import { EventsService, PublishResponseSchema } from "../../gen/ragplane/v1/events_pb.js";
import { withHeaders } from "../../tests/support/credentials.js";
import { createGrpcJsTransport } from "../../tests/support/grpc-js-transport.js";
import { benchTenant } from "../chain/empty-chain.js";
import type { BenchChild } from "../children.js";
import type { Cleanup } from "../cleanup.js";
import { BytesClient } from "../grpc-client.js";
import { connectDirectProducer, type DirectProducer } from "./direct-kafka.js";
import { encodePublishRequests, eventBatches, kafkaMessages, publishPath } from "./events.js";
import type { EnginesBenchOptions } from "./options.js";
import type { BenchPath } from "./rounds.js";
import { benchTopicPrefix, whenAvailable } from "./servers.js";

/** The Publish paths, ready to measure, and how to check what they wrote afterwards. */
export interface PublishSetup {
  readonly paths: readonly BenchPath[];
  /**
   * Records in the Kafka topics against the events each Kafka path published, once the
   * run is over (empty without Kafka).
   */
  written(): Promise<readonly WrittenCheck[]>;
}

/** What one path published and what its topic holds. */
export interface WrittenCheck {
  readonly path: string;
  readonly topic: string;
  readonly published: number;
  readonly records: number;
}

/** The ragplane children to measure: `kafka` only when Kafka is configured. */
export interface PublishServers {
  readonly kafka?: BenchChild;
  readonly embedded: BenchChild;
}

/**
 * Creates the topics (through ragplane, so the baseline's topic has the same settings),
 * encodes every batch the run may send, connects the direct kafkajs baseline, and returns
 * the paths: `kafkajs-direct`, `ragplane-kafka`, `ragplane-embedded` (the first two only
 * with Kafka). Every path publishes the same batches in the same order; each ragplane
 * child checks that its first Publish wrote all events as new.
 */
export async function preparePublish(
  options: EnginesBenchOptions,
  servers: PublishServers,
  runId: string,
  cleanup: Cleanup,
): Promise<PublishSetup> {
  const spec = options.publish;
  const capacity = spec.warmupRequests + (options.rounds + 1) * spec.maxRequests;
  const batches = eventBatches({ ...spec, batches: capacity, seed: options.seed });
  const topic = `ev-${runId}`;
  const directTopic = `${topic}-direct`;
  const requests = encodePublishRequests(topic, batches);
  const paths: BenchPath[] = [];
  const published = new Map<string, number>();
  const counted = (name: string, call: (i: number) => Promise<unknown>) => () => {
    const i = published.get(name) ?? 0;
    if (i >= capacity) {
      return Promise.reject(new Error(`${name}: only ${capacity} batches were prepared`));
    }
    published.set(name, i + 1);
    return call(i);
  };

  let producer: DirectProducer | undefined;
  const physical = new TopicNames(benchTopicPrefix);
  const tenant = benchTenant;
  const brokers = options.engines.kafkaBrokers;
  if (brokers !== undefined && servers.kafka !== undefined) {
    await createTopics(servers.kafka, [topic, directTopic], spec.partitions);
    const direct = await connectDirectProducer(brokers.split(","));
    producer = direct;
    cleanup.add("close the kafkajs baseline", () => direct.close());
    const target = physical.physical(tenant, directTopic)!;
    paths.push({
      name: "kafkajs-direct",
      description: `kafkajs producer.send in the bench process, ${spec.batchSize} events per request`,
      call: counted("kafkajs-direct", (i) => direct.send(target, kafkaMessages(batches[i]!))),
    });
  }
  await createTopics(servers.embedded, [topic], spec.partitions);
  for (const [name, child] of Object.entries(servers)) {
    if (child === undefined) continue;
    const client = new BytesClient(`127.0.0.1:${child.port}`, child.headers);
    cleanup.add(`close the ${name} client`, () => client.close());
    await client.ready();
    const path = `ragplane-${name}`;
    paths.push({
      name: path,
      description: `Publish over grpc-js, ${engineName(name, options)} engine, ${spec.batchSize} events per call`,
      server: child,
      call: counted(path, async (i) => {
        const response = await client.call(publishPath, requests[i]!);
        if (i === 0) checkFresh(path, response, spec.batchSize);
        return response;
      }),
    });
  }
  return {
    paths,
    async written() {
      if (producer === undefined) return [];
      const checks: WrittenCheck[] = [];
      for (const [path, name] of [
        ["ragplane-kafka", topic],
        ["kafkajs-direct", directTopic],
      ] as const) {
        const kafkaTopic = physical.physical(tenant, name)!;
        checks.push({
          path,
          topic: kafkaTopic,
          published: (published.get(path) ?? 0) * spec.batchSize,
          records: await producer.records(kafkaTopic),
        });
      }
      return checks;
    },
  };
}

async function createTopics(
  server: BenchChild,
  names: readonly string[],
  partitions: number,
): Promise<void> {
  const transport = createGrpcJsTransport(`127.0.0.1:${server.port}`);
  try {
    const client = createClient(EventsService, withHeaders(transport, server.headers));
    for (const name of names) {
      await whenAvailable(() => client.createTopic({ name, partitions }, { timeoutMs: 30_000 }));
    }
  } finally {
    transport.close();
  }
}

function engineName(server: string, options: EnginesBenchOptions): string {
  if (server !== "kafka") return "embedded";
  return options.engines.redisUrl === undefined ? "Kafka (ids in memory)" : "Kafka + Redis";
}

function checkFresh(path: string, response: Buffer, expected: number): void {
  const { acks } = fromBinary(PublishResponseSchema, response);
  const fresh = acks.filter((ack) => !ack.duplicate).length;
  if (acks.length !== expected || fresh !== expected) {
    throw new Error(`${path}: the first Publish wrote ${fresh} of ${expected} events as new`);
  }
}
