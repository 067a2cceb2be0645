import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { EmbeddedEventLog } from "../clients/events/embedded/log.js";
import { KafkaEventLog } from "../clients/events/kafka/log.js";
import type { EventLog } from "../clients/events/port.js";
import { EmbeddedGraphStore } from "../clients/graphs/embedded/store.js";
import { Neo4jGraphStore } from "../clients/graphs/neo4j/store.js";
import type { GraphStore } from "../clients/graphs/port.js";
import { RedisConnection } from "../clients/redis/connection.js";
import type { EnginePolicy } from "../clients/resilience/engine-policy.js";
import type { Snapshottable } from "../clients/snapshot.js";
import { EmbeddedVectorStore } from "../clients/vectors/embedded/store.js";
import type { VectorStore } from "../clients/vectors/port.js";
import { QdrantVectorStore } from "../clients/vectors/qdrant/store.js";
import type { BackupSource } from "./backup/sources.js";
import type { Engines } from "./build.js";
import type { Config } from "./config.js";
import { insecureEngineLinks } from "./config-production.js";
import { connectInBackground } from "./deferred-engine.js";
import { sealEventLog } from "./encryption/sealed-events.js";
import { sealVectorStore } from "./encryption/sealed-vectors.js";
import { EnginePolicies } from "./engine-policies.js";
import { openKeyring } from "./open-keyring.js";

/** Tenants a principal can never hold (`_system`): ragplane's control plane, not sealed. */
const isReservedTenant = (tenant: string): boolean => tenant.startsWith("_");

import type { EngineLabel } from "./telemetry/metrics.js";
import {
  type EngineTelemetry,
  observedOperations,
  observeEngine,
} from "./telemetry/observe-engine.js";
import { engineLabels } from "./telemetry/telemetry.js";

/** Engines plus the means to close them all. */
export interface OpenEngines extends Engines {
  /** The resilience policy of each real engine, by its metric label. */
  readonly policies: ReadonlyMap<EngineLabel, EnginePolicy>;
  /** Resolves with the Redis connection once connected, when Redis is configured. */
  readonly redisReady?: Promise<RedisConnection>;
  /** Which engine serves each capability, for logs. */
  readonly kinds: Readonly<Record<"events" | "vectors" | "graphs", string>>;
  /** The embedded engines, which a backup copies (none when every engine is real). */
  readonly backupSources: readonly BackupSource[];
  /** Closes every engine, flushing what they persist. */
  close(): Promise<void>;
}

/**
 * Opens the engine behind each port: the real engine when its URL is configured,
 * otherwise the embedded one under `config.dataDir`. Real engines connect in the
 * background (a service whose engine is down answers UNAVAILABLE and reports not
 * ready); an embedded engine that fails to open fails the start, after the engines
 * already open are closed. With `telemetry`, every port operation is timed and traced.
 *
 * Events and vectors are encrypted at rest (`sealEventLog`, `sealVectorStore`) with one
 * keyring (`openKeyring`: the key file, and the data keys in Redis or under DATA_DIR),
 * outside the telemetry wrapping, so engine timings are the engines' own and every user
 * of the ports (services, the projector, the security stores) sees plaintext.
 */
export async function openEngines(
  config: Config,
  logger?: Logger,
  telemetry: EngineTelemetry = {},
): Promise<OpenEngines> {
  const { engines: settings } = config;
  const withLogger = logger === undefined ? {} : { logger };
  const opened: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(engine: T): T => {
    opened.push(engine);
    return engine;
  };
  const policies = new EnginePolicies(config.resilience, telemetry.metrics, logger);
  const backupSources: BackupSource[] = [];
  const embedded = <T extends Snapshottable>(directory: string, store: T): T => {
    backupSources.push({ name: directory, directory, store });
    return store;
  };
  try {
    await mkdir(config.dataDir, { recursive: true });
    const background = { ...withLogger };
    const redisSettings = settings.redis;
    const redisResilience = redisSettings === undefined ? undefined : policies.redis();
    const redis =
      redisSettings === undefined || redisResilience === undefined
        ? undefined
        : connectInBackground(
            () => RedisConnection.connect({ ...redisSettings, policy: redisResilience }),
            { name: "redis", ...background },
          );
    if (redis) track(redis.engine);
    const keys = track(await openKeyring(config, redis?.ready, logger));
    const kafka = settings.kafka;
    const qdrant = settings.qdrant;
    const neo4j = settings.neo4j;
    const kafkaResilience = kafka && policies.kafka();
    const qdrantResilience = qdrant && policies.qdrant(qdrant.timeoutMs);
    const neo4jResilience = neo4j && policies.neo4j();
    const events: EventLog = kafka
      ? track(
          connectInBackground<EventLog>(
            async () =>
              KafkaEventLog.connect({
                brokers: kafka.brokers,
                clientId: kafka.clientId,
                topicPrefix: kafka.topicPrefix,
                idempotencyWindowMs: kafka.idempotencyWindowMs,
                ...(kafka.tls === undefined ? {} : { tls: kafka.tls }),
                ...(kafka.sasl === undefined ? {} : { sasl: kafka.sasl }),
                ...(kafkaResilience ? { policy: kafkaResilience } : {}),
                ...(redis === undefined ? {} : { redis: await redis.ready }),
              }),
            { name: "kafka", ...background },
          ).engine,
        )
      : track(
          embedded(
            "events",
            await EmbeddedEventLog.open({ dataDir: join(config.dataDir, "events") }),
          ),
        );
    const vectors: VectorStore = qdrant
      ? track(
          connectInBackground<VectorStore>(
            () =>
              QdrantVectorStore.connect({
                ...qdrant,
                ...(qdrantResilience ? { policy: qdrantResilience } : {}),
              }),
            {
              name: "qdrant",
              ...background,
            },
          ).engine,
        )
      : track(
          embedded(
            "vectors",
            await EmbeddedVectorStore.open({ dataDir: join(config.dataDir, "vectors") }),
          ),
        );
    const graphs: GraphStore = neo4j
      ? track(
          connectInBackground<GraphStore>(
            () =>
              Neo4jGraphStore.connect({
                ...neo4j,
                ...(neo4jResilience ? { policy: neo4jResilience } : {}),
              }),
            {
              name: "neo4j",
              ...background,
            },
          ).engine,
        )
      : track(
          embedded(
            "graphs",
            await EmbeddedGraphStore.open({
              dataDir: join(config.dataDir, "graphs"),
              readerThreads: config.graphReaderThreads,
              readerNice: config.graphReaderNice,
            }),
          ),
        );
    backupSources.push(...keys.backupSources);
    if (config.production && config.allowInsecureEngines) {
      for (const link of insecureEngineLinks(settings)) {
        logger?.warn(`ALLOW_INSECURE_ENGINES=true: ${link}`);
      }
    }
    if (settings.kafka && redis === undefined) {
      logger?.warn(
        "KAFKA_BROKERS without REDIS_URL: published event ids are remembered by this process only, so a repeat after a restart or on another replica is written again",
      );
    }
    const kinds = {
      events: settings.kafka ? "kafka" : "embedded",
      vectors: settings.qdrant ? "qdrant" : "embedded",
      graphs: settings.neo4j ? "neo4j" : "embedded",
    };
    const labels = engineLabels(kinds);
    const { keyring } = keys;
    return {
      events: sealEventLog(
        observeEngine(events, labels.events, observedOperations.events, telemetry),
        keyring,
        { encryptAll: config.encryption.atRest, plaintextTenant: isReservedTenant },
      ),
      vectors: sealVectorStore(
        observeEngine(vectors, labels.vectors, observedOperations.vectors, telemetry),
        keyring,
      ),
      graphs: observeEngine(graphs, labels.graphs, observedOperations.graphs, telemetry),
      ...(redis === undefined ? {} : { redis: redis.engine, redisReady: redis.ready }),
      keyring,
      kinds,
      backupSources,
      policies: policies.all,
      close: () => closeAll(opened),
    };
  } catch (error) {
    await closeAll(opened);
    throw error;
  }
}

async function closeAll(engines: readonly { close(): Promise<void> }[]): Promise<void> {
  await Promise.allSettled([...engines].reverse().map((engine) => engine.close()));
}
