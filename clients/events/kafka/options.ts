import type { RedisConnection } from "../../redis/connection.js";
import type { EnginePolicy } from "../../resilience/engine-policy.js";
import type { EngineTlsOptions } from "../../tls.js";
import type { IdempotencyIndex } from "../idempotency/index.js";

/** The SASL mechanisms the adapter authenticates with. */
export const kafkaSaslMechanisms = ["scram-sha-512", "scram-sha-256", "plain"] as const;

/** How the adapter authenticates to the brokers with SASL. */
export interface KafkaSaslOptions {
  /** `plain` sends the password as it is: use it over TLS only. */
  readonly mechanism: (typeof kafkaSaslMechanisms)[number];
  readonly username: string;
  readonly password: string;
}

/** How to reach Kafka and how the adapter behaves. Every duration is in milliseconds. */
export interface KafkaEventLogOptions {
  /** Bootstrap brokers, `host:port`. At least one. */
  readonly brokers: readonly string[];
  /**
   * TLS to every broker, the broker's certificate verified against `tls.ca` (default:
   * Node's CAs), presenting `tls.cert` for mutual TLS. Default: plaintext.
   */
  readonly tls?: EngineTlsOptions;
  /** SASL authentication to every broker. Default: none. */
  readonly sasl?: KafkaSaslOptions;
  /** The client id the brokers log and quota by; also prefixes the readers' group ids. */
  readonly clientId: string;
  /**
   * Where the idempotency index lives: Redis, shared by every replica and kept across
   * restarts. Without it (and without `idempotencyIndex`) the index is in this process's
   * memory: a re-published id is detected only if this same process stored it. The log
   * uses the connection but does not own it: `close()` leaves it open.
   */
  readonly redis?: RedisConnection;
  /** An index of your own instead (e.g. one memory index shared by logs of one process). */
  readonly idempotencyIndex?: IdempotencyIndex;
  /** How long a stored id is remembered for duplicate detection. Default 24 h. */
  readonly idempotencyWindowMs?: number;
  /**
   * How long an id stays claimed by a publisher that never finishes (crashed between
   * claiming and recording). Must exceed the longest produce, (retries + 1) times
   * `requestTimeoutMs`. Default 60 000.
   */
  readonly claimTtlMs?: number;
  /** Longest wait for ids another publisher is writing before failing UNAVAILABLE. Default 5000. */
  readonly claimWaitMs?: number;
  /** First segment of every physical topic name, [A-Za-z0-9-]. Default `"rp"`. */
  readonly topicPrefix?: string;
  /** Replicas per partition of new topics; -1 takes the broker's default. Default -1. */
  readonly replicationFactor?: number;
  /** `max.message.bytes` of new topics. Default 8 MiB (twice the API's largest request). */
  readonly maxMessageBytes?: number;
  /** How long a topic's partition count is cached for appends. Default 10 000. */
  readonly metadataCacheMs?: number;
  /** TCP connect timeout per broker. Default 1000. */
  readonly connectionTimeoutMs?: number;
  /** Timeout of one Kafka request (and the broker's wait for replica acks). Default 10 000. */
  readonly requestTimeoutMs?: number;
  /** Retries of a failed Kafka request (exponential backoff from 100 ms). Default 3. */
  readonly retries?: number;
  /** Longest `health()` waits for the cluster. Default 2000. */
  readonly healthTimeoutMs?: number;
  /** Readers' consumer group session timeout. Default 10 000 (brokers accept 6000 and up). */
  readonly sessionTimeoutMs?: number;
  /** Readers' heartbeat interval. Default 1000. */
  readonly heartbeatIntervalMs?: number;
  /**
   * Longest an idle reader's fetch waits at the broker. New records end the wait at once,
   * so this does not delay delivery; it bounds how long ending a read takes (kafkajs lets
   * the fetch in flight finish) and sets how often an idle reader polls. Default 250.
   */
  readonly fetchMaxWaitMs?: number;
  /** Receives kafkajs's log lines at warn level and above. Default: none are kept. */
  readonly log?: (level: "error" | "warn", message: string, extra: object) => void;
  /** Receives failures that no caller sees (recording positions after a write). Default: ignored. */
  readonly onBackgroundError?: (error: unknown) => void;
  /** The resilience policy of every request to the cluster; default `kafkaPolicy`. */
  readonly policy?: EnginePolicy;
}

/** The options with every default applied, validated. */
export type ResolvedKafkaEventLogOptions = Required<Omit<KafkaEventLogOptions, OptionalKeys>> &
  Pick<KafkaEventLogOptions, OptionalKeys>;

type OptionalKeys = "redis" | "idempotencyIndex" | "log" | "policy" | "tls" | "sasl";

/** Applies the defaults and fails fast (`RangeError`) on values that cannot work. */
export function resolveOptions(options: KafkaEventLogOptions): ResolvedKafkaEventLogOptions {
  if (options.brokers.length === 0) throw new RangeError("brokers must name at least one broker");
  if (options.clientId.length === 0) throw new RangeError("clientId must not be empty");
  if (options.redis && options.idempotencyIndex) {
    throw new RangeError("pass either redis or idempotencyIndex, not both");
  }
  if ((options.tls?.cert === undefined) !== (options.tls?.key === undefined)) {
    throw new RangeError("tls.cert and tls.key go together");
  }
  if (options.sasl && !kafkaSaslMechanisms.includes(options.sasl.mechanism)) {
    throw new RangeError(`sasl.mechanism must be one of ${kafkaSaslMechanisms.join(", ")}`);
  }
  const resolved: ResolvedKafkaEventLogOptions = {
    ...options,
    idempotencyWindowMs: options.idempotencyWindowMs ?? 86_400_000,
    claimTtlMs: options.claimTtlMs ?? 60_000,
    claimWaitMs: options.claimWaitMs ?? 5000,
    topicPrefix: options.topicPrefix ?? "rp",
    replicationFactor: options.replicationFactor ?? -1,
    maxMessageBytes: options.maxMessageBytes ?? 8 * 1024 * 1024,
    metadataCacheMs: options.metadataCacheMs ?? 10_000,
    connectionTimeoutMs: options.connectionTimeoutMs ?? 1000,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    retries: options.retries ?? 3,
    healthTimeoutMs: options.healthTimeoutMs ?? 2000,
    sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1000,
    fetchMaxWaitMs: options.fetchMaxWaitMs ?? 250,
    onBackgroundError: options.onBackgroundError ?? (() => {}),
  };
  for (const key of [
    "idempotencyWindowMs",
    "claimTtlMs",
    "claimWaitMs",
    "maxMessageBytes",
    "metadataCacheMs",
    "connectionTimeoutMs",
    "requestTimeoutMs",
    "healthTimeoutMs",
    "sessionTimeoutMs",
    "heartbeatIntervalMs",
    "fetchMaxWaitMs",
  ] as const) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(`${key} must be a positive integer, got ${value}`);
    }
  }
  if (!Number.isInteger(resolved.retries) || resolved.retries < 0) {
    throw new RangeError(`retries must be a non-negative integer, got ${resolved.retries}`);
  }
  if (resolved.replicationFactor !== -1 && !(resolved.replicationFactor >= 1)) {
    throw new RangeError(
      `replicationFactor must be -1 or at least 1, got ${resolved.replicationFactor}`,
    );
  }
  if (resolved.heartbeatIntervalMs >= resolved.sessionTimeoutMs) {
    throw new RangeError("heartbeatIntervalMs must be less than sessionTimeoutMs");
  }
  const longestProduceMs = (resolved.retries + 1) * resolved.requestTimeoutMs;
  if (resolved.claimTtlMs <= longestProduceMs) {
    throw new RangeError(
      `claimTtlMs must exceed (retries + 1) * requestTimeoutMs = ${longestProduceMs}, or a slow produce could outlive its claim`,
    );
  }
  return resolved;
}
