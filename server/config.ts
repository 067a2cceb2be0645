import { isAbsolute, resolve } from "node:path";
import type { ResilienceSettings } from "../clients/resilience/settings.js";
import type { DeadlineOptions } from "../interceptors/deadline.js";
import { type ConnectionLimits, readConnectionLimits } from "./config-connections.js";
import { type EncryptionConfig, readEncryption } from "./config-encryption.js";
import {
  type KafkaLink,
  type Neo4jLink,
  type RedisLink,
  readKafkaLink,
  readNeo4jLink,
  readRedisLink,
} from "./config-engine-links.js";
import { productionProblems } from "./config-production.js";
import { type QuotaConfig, readQuotas } from "./config-quotas.js";
import { type RetentionConfig, readRetention } from "./config-retention.js";
import { readSecurity, type SecurityConfig } from "./config-security.js";
import { type Env, EnvReader } from "./env-reader.js";
import { withSecretFiles } from "./secret-files.js";
import { readTracing, type TracingConfig } from "./telemetry/tracing.js";

/** Log levels accepted by `LOG_LEVEL`. */
export const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** A log level name. */
export type LogLevel = (typeof logLevels)[number];

/** The server's whole configuration, validated once at start. */
export interface Config {
  /** `NODE_ENV=production`: stricter checks at start. Default false. */
  readonly production: boolean;
  /** `HOST`: address both ports bind to. Default `127.0.0.1` (loopback only). */
  readonly host: string;
  /** `GRPC_PORT`: the grpc-js port. Default 50051; 0 picks a free port. */
  readonly grpcPort: number;
  /** `HTTP_PORT`: the Connect / gRPC-Web / health port. Default 8080. */
  readonly httpPort: number;
  /** `DATA_DIR`: where embedded engines keep their state. Default `./data`. */
  readonly dataDir: string;
  /** `LOG_LEVEL`: pino level. Default `info`. */
  readonly logLevel: LogLevel;
  /** `GRPC_REFLECTION`: serve gRPC reflection. Default true. */
  readonly reflection: boolean;
  /** HTTP/2 connection limits of both ports. */
  readonly connections: ConnectionLimits;
  /**
   * Deadlines per RPC class (the class is the method's budget in `interceptors/policy.ts`):
   * `READ_TIMEOUT_MS` (default 10 000) / `MAX_READ_TIMEOUT_MS` (60 000),
   * `WRITE_TIMEOUT_MS` (30 000) / `MAX_WRITE_TIMEOUT_MS` (300 000), and
   * `MAX_STREAM_TIMEOUT_MS` (86 400 000; streams have no default deadline).
   */
  readonly deadlines: DeadlineOptions;
  /** Authentication, TLS, limits and CORS. */
  readonly security: SecurityConfig;
  /** Per-tenant quotas on what tenants store. */
  readonly quotas: QuotaConfig;
  /** `SHUTDOWN_GRACE_MS`: how long in-flight calls may finish on SIGTERM. Default 10 000. */
  readonly shutdownGraceMs: number;
  /** `READINESS_INTERVAL_MS`: how often engines are probed for readiness. Default 5 000. */
  readonly readinessIntervalMs: number;
  /** Real engines; an engine left unset runs embedded under `dataDir`. */
  readonly engines: EngineConfig;
  /**
   * `ALLOW_INSECURE_ENGINES`: production accepts plaintext or unauthenticated links to the
   * real engines (see `insecureEngineLinks`). Default false.
   */
  readonly allowInsecureEngines: boolean;
  /**
   * `GRAPH_READER_THREADS`: threads that run the embedded graph store's traversals off the
   * event loop; 0 runs them on it. Default 2.
   */
  readonly graphReaderThreads: number;
  /**
   * `GRAPH_READER_NICE`: the reader threads' nice value (0–19): how far below the event
   * loop they run on a busy core. Default 10.
   */
  readonly graphReaderNice: number;
  /**
   * The circuit breaker and bulkhead of every real engine: `ENGINE_BREAKER_FAILURES`
   * (consecutive faults that open it, default 5), `ENGINE_BREAKER_OPEN_MS` (how long it
   * fails fast before a probe, default 5 000), `ENGINE_MAX_IN_FLIGHT` (calls at once per
   * engine, default 256), `ENGINE_MAX_QUEUED` (calls waiting, default 1 024).
   */
  readonly resilience: ResilienceSettings;
  /** The Prometheus endpoint, on its own port; undefined when `METRICS_ENABLED=false`. */
  readonly metrics: MetricsConfig | undefined;
  /** How this replica takes part in ingestion. */
  readonly ingestion: IngestionConfig;
  /** The retention sweeper and the audit trail's retention. */
  readonly retention: RetentionConfig;
  /** OpenTelemetry tracing, from the standard `OTEL_*` variables; undefined when off. */
  readonly tracing: TracingConfig | undefined;
  /** Encryption at rest: the key file, what is sealed, the data key cache. */
  readonly encryption: EncryptionConfig;
}

/**
 * Where `/metrics` is served: a port of its own, so a scrape never needs a tenant
 * credential, never passes the interceptor chain, and stays off the public listener (a
 * Kubernetes `Service` exposes the API ports; Prometheus scrapes the pod's metrics port).
 */
export interface MetricsConfig {
  /** `METRICS_HOST`: address the metrics port binds to. Default: `HOST`. */
  readonly host: string;
  /** `METRICS_PORT`: the metrics port. Default 9464; 0 picks a free port. */
  readonly port: number;
}

/** How this replica takes part in ingestion (the ingestions themselves are set by RPCs). */
export interface IngestionConfig {
  /**
   * `INGESTION_PROJECTOR`: this replica projects ingested topics (on Kafka, sharing their
   * partitions with the other replicas that do). Default true.
   */
  readonly projector: boolean;
  /** `INGESTION_BATCH_EVENTS`: most events the projector writes as one batch. Default 256. */
  readonly batchEvents: number;
}

/** Connection settings of the real engines, each present only when its URL is set. */
export interface EngineConfig {
  /** Set by `KAFKA_BROKERS`: events on Kafka, over TLS and SASL as `KafkaLink` says. */
  readonly kafka?: KafkaLink & {
    /** `KAFKA_BROKERS`: comma-separated `host:port` list. */
    readonly brokers: readonly string[];
    /** `KAFKA_CLIENT_ID`. Default `ragplane`. */
    readonly clientId: string;
    /** `KAFKA_TOPIC_PREFIX`: prefix of every physical topic. Default `rp`. */
    readonly topicPrefix: string;
    /** `EVENTS_IDEMPOTENCY_WINDOW_MS`: how long a published id is remembered. Default 24 h. */
    readonly idempotencyWindowMs: number;
  };
  /** Set by `REDIS_URL`: shared counters, caches, the events idempotency index. */
  readonly redis?: RedisLink & {
    /** `REDIS_URL`, e.g. `redis://:password@host:6379/0` (or `rediss://` for TLS). */
    readonly url: string;
  };
  /** Set by `NEO4J_URL`: graphs on Neo4j. */
  readonly neo4j?: Neo4jLink & {
    /** `NEO4J_URL`, e.g. `bolt://host:7687` or `neo4j+s://host`. */
    readonly url: string;
    /** `NEO4J_USER`. Default `neo4j`. */
    readonly user: string;
    /** `NEO4J_PASSWORD`: required with `NEO4J_URL`. */
    readonly password: string;
    /** `NEO4J_DATABASE`. Default `neo4j`. */
    readonly database: string;
    /** `NEO4J_MAX_POOL_SIZE`: Bolt connections per process. Default 50. */
    readonly maxPoolSize: number;
  };
  /** Set by `QDRANT_URL`: vectors on Qdrant. */
  readonly qdrant?: {
    /** `QDRANT_URL`, e.g. `http://host:6333`. */
    readonly url: string;
    /** `QDRANT_API_KEY`, sent as `api-key` when set. */
    readonly apiKey?: string;
    /** `QDRANT_TIMEOUT_MS`: per-request timeout cap. Default 10 000. */
    readonly timeoutMs: number;
  };
}

/** A configuration that cannot be used; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
}

/**
 * Reads and validates the configuration from the environment. This is the only place
 * that reads `process.env`; every problem is reported at once. A secret may come from a
 * file named by its `*_FILE` variant (see {@link withSecretFiles}).
 */
export function loadConfig(environment: Env = process.env): Config {
  const problems: string[] = [];
  const env = withSecretFiles(environment, problems);
  const read = new EnvReader(env, problems);
  const production = env.NODE_ENV === "production";
  const dataDir = absolute(read.text("DATA_DIR", "./data"));
  const config: Config = {
    production,
    host: read.text("HOST", "127.0.0.1"),
    grpcPort: read.integer("GRPC_PORT", 50051, 0, 65535),
    httpPort: read.integer("HTTP_PORT", 8080, 0, 65535),
    dataDir,
    logLevel: read.oneOf("LOG_LEVEL", "info", logLevels),
    reflection: read.boolean("GRPC_REFLECTION", true),
    connections: readConnectionLimits(read),
    deadlines: readDeadlines(read),
    security: readSecurity(read, production),
    quotas: readQuotas(read),
    shutdownGraceMs: read.integer("SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
    readinessIntervalMs: read.integer("READINESS_INTERVAL_MS", 5_000, 100, 600_000),
    engines: readEngines(read),
    allowInsecureEngines: read.boolean("ALLOW_INSECURE_ENGINES", false),
    graphReaderThreads: read.integer("GRAPH_READER_THREADS", 2, 0, 64),
    graphReaderNice: read.integer("GRAPH_READER_NICE", 10, 0, 19),
    resilience: {
      breakerFailures: read.integer("ENGINE_BREAKER_FAILURES", 5, 1, 1_000),
      breakerOpenMs: read.integer("ENGINE_BREAKER_OPEN_MS", 5_000, 10, 600_000),
      maxInFlight: read.integer("ENGINE_MAX_IN_FLIGHT", 256, 1, 100_000),
      maxQueued: read.integer("ENGINE_MAX_QUEUED", 1_024, 0, 1_000_000),
    },
    metrics: readMetrics(read),
    ingestion: {
      projector: read.boolean("INGESTION_PROJECTOR", true),
      batchEvents: read.integer("INGESTION_BATCH_EVENTS", 256, 1, 1_000),
    },
    retention: readRetention(read),
    tracing: readTracing(env),
    encryption: readEncryption(read, dataDir),
  };
  if (production) problems.push(...productionProblems(config, env));
  if (config.grpcPort !== 0 && config.grpcPort === config.httpPort) {
    problems.push("GRPC_PORT and HTTP_PORT must differ");
  }
  const metricsPort = config.metrics?.port ?? 0;
  if (metricsPort !== 0 && (metricsPort === config.grpcPort || metricsPort === config.httpPort)) {
    problems.push("METRICS_PORT must differ from GRPC_PORT and HTTP_PORT");
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function readMetrics(read: EnvReader): MetricsConfig | undefined {
  const enabled = read.boolean("METRICS_ENABLED", true);
  const host = read.text("METRICS_HOST", read.text("HOST", "127.0.0.1"));
  const port = read.integer("METRICS_PORT", 9464, 0, 65535);
  return enabled ? { host, port } : undefined;
}

function readDeadlines(read: EnvReader): DeadlineOptions {
  const limited = (name: string, fallback: number, max: number): number =>
    read.integer(name, fallback, 1, max);
  const deadlines: DeadlineOptions = {
    read: {
      defaultMs: limited("READ_TIMEOUT_MS", 10_000, 3_600_000),
      maxMs: limited("MAX_READ_TIMEOUT_MS", 60_000, 3_600_000),
    },
    write: {
      defaultMs: limited("WRITE_TIMEOUT_MS", 30_000, 3_600_000),
      maxMs: limited("MAX_WRITE_TIMEOUT_MS", 300_000, 3_600_000),
    },
    stream: { maxMs: limited("MAX_STREAM_TIMEOUT_MS", 86_400_000, 604_800_000) },
  };
  for (const [name, { defaultMs, maxMs }] of Object.entries(deadlines)) {
    if (defaultMs !== undefined && defaultMs > maxMs) {
      const upper = name.toUpperCase();
      read.problem(`${upper}_TIMEOUT_MS must not exceed MAX_${upper}_TIMEOUT_MS`);
    }
  }
  return deadlines;
}

function readEngines(read: EnvReader): EngineConfig {
  const engines: {
    -readonly [K in keyof EngineConfig]: EngineConfig[K];
  } = {};
  const brokers = read.optional("KAFKA_BROKERS");
  if (brokers !== undefined) {
    engines.kafka = {
      brokers: read.hostPorts("KAFKA_BROKERS", brokers),
      clientId: read.text("KAFKA_CLIENT_ID", "ragplane"),
      topicPrefix: read.pattern("KAFKA_TOPIC_PREFIX", "rp", /^[A-Za-z0-9_-]{1,32}$/),
      idempotencyWindowMs: read.integer(
        "EVENTS_IDEMPOTENCY_WINDOW_MS",
        86_400_000,
        1_000,
        2_592_000_000,
      ),
      ...readKafkaLink(read),
    };
  }
  const redisUrl = read.optional("REDIS_URL");
  if (redisUrl !== undefined) {
    engines.redis = {
      url: read.url("REDIS_URL", redisUrl, ["redis:", "rediss:"]),
      ...readRedisLink(read, redisUrl),
    };
  }
  const neo4jUrl = read.optional("NEO4J_URL");
  if (neo4jUrl !== undefined) {
    engines.neo4j = {
      url: read.url("NEO4J_URL", neo4jUrl, [
        "bolt:",
        "bolt+s:",
        "bolt+ssc:",
        "neo4j:",
        "neo4j+s:",
        "neo4j+ssc:",
      ]),
      user: read.text("NEO4J_USER", "neo4j"),
      password: read.required("NEO4J_PASSWORD", "NEO4J_URL"),
      database: read.text("NEO4J_DATABASE", "neo4j"),
      maxPoolSize: read.integer("NEO4J_MAX_POOL_SIZE", 50, 1, 1_000),
      ...readNeo4jLink(read, neo4jUrl),
    };
  }
  const qdrantUrl = read.optional("QDRANT_URL");
  if (qdrantUrl !== undefined) {
    const apiKey = read.optional("QDRANT_API_KEY");
    engines.qdrant = {
      url: read.url("QDRANT_URL", qdrantUrl, ["http:", "https:"]),
      timeoutMs: read.integer("QDRANT_TIMEOUT_MS", 10_000, 100, 600_000),
      ...(apiKey === undefined ? {} : { apiKey }),
    };
  }
  return engines;
}

function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(process.cwd(), path);
}
